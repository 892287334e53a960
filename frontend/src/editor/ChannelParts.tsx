// Pieces shared by Settings → Channels and the editor's "Connect to a channel" dialog: copy buttons, the
// web widget's embed snippet with its test page, and what a channel runs (or does without a scenario).
import { useRef, useState } from "react";
import { useI18n } from "./i18n";
import type { Channel } from "./channels";

/** Copies `text`; where the clipboard API is refused (plain http, permissions) it selects `target`'s text so
 * Ctrl+C / ⌘C copies it, and says so. */
export function CopyButton({ text, target, testId }: { text: string; target?: React.RefObject<HTMLElement | null>; testId?: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<"" | "copied" | "selected">("");
  const flash = (s: "copied" | "selected") => {
    setState(s);
    window.setTimeout(() => setState(""), s === "copied" ? 1500 : 6000);
  };
  return (
    <>
      <button
        type="button"
        className="bf-btn bf-btn-small"
        data-testid={testId}
        onClick={async () => {
          try {
            if (!navigator.clipboard) throw new Error("no clipboard");
            await navigator.clipboard.writeText(text);
            flash("copied");
          } catch {
            const el = target?.current;
            if (el) {
              const range = document.createRange();
              range.selectNodeContents(el);
              const sel = window.getSelection();
              sel?.removeAllRanges();
              sel?.addRange(range);
              flash("selected");
            } else {
              window.prompt(t("channels.copy"), text);
            }
          }
        }}
      >
        {state === "copied" ? t("channels.copied") : t("channels.copy")}
      </button>
      {state === "selected" ? <span className="bf-field-hint" role="status"> {t("channels.copy_fallback")}</span> : null}
    </>
  );
}

/** The one-line <script> to paste into a site, a copy button and our test page that embeds it. */
export function EmbedSnippet({ channel }: { channel: Channel }) {
  const { t } = useI18n();
  const code = useRef<HTMLElement>(null);
  if (!channel.snippet) return null;
  let site = "";
  try {
    site = channel.test_url ? new URL(channel.test_url).origin : "";
  } catch {
    /* a SITE_URL without a scheme: nothing to compare */
  }
  const here = window.location.origin;
  return (
    <div className="bf-embed" data-testid="embed">
      <p className="bf-field-label">{t("channels.embed_text")}</p>
      <pre className="bf-snippet">
        <code ref={code} data-testid="embed-snippet">
          {channel.snippet}
        </code>
      </pre>
      <div className="bf-row bf-wrap">
        <CopyButton text={channel.snippet} target={code} testId="copy-snippet" />
        {channel.test_url ? (
          <a className="bf-btn bf-btn-small" href={channel.test_url} target="_blank" rel="noopener" data-testid="test-page-link">
            {t("channels.test_page")} ↗
          </a>
        ) : null}
      </div>
      {site && site !== here ? <p className="bf-field-hint">{t("channels.site_url_mismatch", { site, here })}</p> : null}
    </div>
  );
}

/** What the channel runs: the scenario's name, or "No scenario" and what that means for customers. */
export function RunsLabel({ channel, currentScenario }: { channel: Channel; currentScenario?: string }) {
  const { t } = useI18n();
  if (channel.scenario && currentScenario && channel.scenario === currentScenario) {
    return <span className="bf-chip bf-chip-live">{t("connect.runs_this")}</span>;
  }
  if (channel.scenario) {
    return <span data-testid="runs">{channel.scenario_name ?? ""}</span>;
  }
  return (
    <span data-testid="runs">
      <span className="bf-chip bf-chip-removed">{t("channels.no_scenario")}</span>{" "}
      <span className="bf-field-hint">
        {t(channel.no_scenario_action === "auto_reply" ? "channels.no_scenario_auto" : "channels.no_scenario_queue")}
      </span>
    </span>
  );
}
