// Styles live inside the Shadow DOM, so the host page's CSS cannot leak in and ours cannot leak out.
export const css = `
:host{all:initial}
*{box-sizing:border-box;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
button{font:inherit;cursor:pointer}
button:focus-visible,textarea:focus-visible,a:focus-visible{outline:2px solid var(--c);outline-offset:2px}
.launcher{position:fixed;bottom:20px;right:20px;width:60px;height:60px;border-radius:50%;border:0;background:var(--c);color:var(--t);box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;z-index:2147483000;transition:transform .15s}
.launcher:hover{transform:scale(1.06)}
.launcher svg{width:28px;height:28px;fill:currentColor}
.left .launcher{left:20px;right:auto}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#e5484d;color:#fff;font-size:12px;line-height:20px;font-weight:600}
.panel{position:fixed;bottom:92px;right:20px;width:370px;height:min(600px,calc(100vh - 120px));background:#fff;color:#1c2024;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.22);display:flex;flex-direction:column;overflow:hidden;z-index:2147483000;font-size:14px}
.left .panel{left:20px;right:auto}
.panel[hidden]{display:none}
header{background:var(--c);color:var(--t);padding:14px 16px;display:flex;align-items:center;gap:10px}
header .av{width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.22);display:flex;align-items:center;justify-content:center;font-weight:700}
header h2{margin:0;font-size:16px;font-weight:600;flex:1;line-height:1.2}
header small{display:block;font-size:12px;font-weight:400;opacity:.85}
header button{background:transparent;border:0;color:inherit;width:32px;height:32px;border-radius:8px;font-size:22px;line-height:1}
header button:hover{background:rgba(255,255,255,.18)}
.log{flex:1;overflow-y:auto;padding:16px 12px;background:#f6f7f9;display:flex;flex-direction:column;gap:8px}
.msg{max-width:82%;padding:9px 12px;border-radius:14px;line-height:1.4;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}
.msg.bot,.msg.operator{align-self:flex-start;background:#fff;border:1px solid #e3e5e8;border-bottom-left-radius:4px}
.msg.operator{border-color:var(--c)}
.msg.customer{align-self:flex-end;background:var(--c);color:var(--t);border-bottom-right-radius:4px}
.msg.pending{opacity:.65}
.msg.failed{background:#fff;color:#b42318;border:1px solid #e5484d}
.who{display:block;font-size:11px;font-weight:600;color:#60646c;margin-bottom:2px}
.sys{align-self:center;font-size:12px;color:#60646c;text-align:center;padding:2px 8px}
.msg img{display:block;max-width:100%;border-radius:8px;margin-bottom:4px}
.msg a{color:inherit}
.btns{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start;max-width:92%}
.btns button{background:#fff;border:1px solid var(--c);color:var(--c);border-radius:18px;padding:7px 14px;font-size:13px}
.btns button:hover:not(:disabled){background:var(--c);color:var(--t)}
.btns button:disabled{opacity:.5;cursor:default}
footer :disabled{opacity:.5;cursor:not-allowed}
.status{padding:8px 14px;font-size:12px;background:#fff8e1;color:#6b4e00;border-top:1px solid #f1e3b0}
.status[hidden],.typing[hidden]{display:none}
.typing{padding:4px 16px;font-size:12px;color:#60646c;background:#f6f7f9;font-style:italic}
footer{border-top:1px solid #e3e5e8;padding:8px;background:#fff}
.row{display:flex;gap:6px;align-items:flex-end}
textarea{flex:1;resize:none;border:1px solid #d9dce0;border-radius:10px;padding:9px 10px;font-size:14px;max-height:96px;min-height:40px;line-height:1.35;color:#1c2024;background:#fff}
.send{border:0;background:var(--c);color:var(--t);border-radius:10px;height:40px;padding:0 14px;font-weight:600}
.op{margin-top:6px;width:100%;border:1px dashed #b9bbc6;background:#fff;color:#1c2024;border-radius:10px;padding:7px;font-size:13px}
.op:hover{border-color:var(--c);color:var(--c)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}textarea{font-size:16px}.launcher{bottom:14px;right:14px}.open .launcher{display:none}}
`;
