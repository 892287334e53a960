// New-chat alerts: a short two-tone chime (Web Audio, no asset to load) and a desktop notification
// when the operator allowed them. Both fail silently: an alert must never break the console.

let ctx: AudioContext | null = null;

/** Browsers only allow audio after a user gesture; call this from any click to unlock it. */
export function unlockAudio(): void {
  try {
    ctx = ctx || new AudioContext();
    if (ctx.state === "suspended") void ctx.resume();
  } catch {
    ctx = null;
  }
}

export function chime(): void {
  if (!ctx || ctx.state !== "running") return;
  const now = ctx.currentTime;
  [880, 1320].forEach((freq, i) => {
    const osc = ctx!.createOscillator();
    const gain = ctx!.createGain();
    osc.frequency.value = freq;
    osc.type = "sine";
    gain.gain.setValueAtTime(0.0001, now + i * 0.16);
    gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.16 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.16 + 0.25);
    osc.connect(gain).connect(ctx!.destination);
    osc.start(now + i * 0.16);
    osc.stop(now + i * 0.16 + 0.3);
  });
}

export function notificationsSupported(): boolean {
  return typeof Notification !== "undefined";
}

export function notificationsAllowed(): boolean {
  return notificationsSupported() && Notification.permission === "granted";
}

export async function askNotifications(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  try {
    return (await Notification.requestPermission()) === "granted";
  } catch {
    return false;
  }
}

export function desktopNotify(title: string, body: string, onClick: () => void): void {
  if (!notificationsAllowed()) return;
  try {
    const n = new Notification(title, { body, tag: "botflow-queue" });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    /* some browsers only allow notifications from a service worker */
  }
}
