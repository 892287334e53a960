// The header of the list and settings pages: brand, navigation, workspace switcher, language, log out.
import type { Bootstrap } from "../shared/bootstrap";
import { LanguageSwitcher } from "../shared/i18n";
import { useI18n } from "./i18n";

export function AppHeader({ boot, active }: { boot: Bootstrap; active: "list" | "settings" }) {
  const { t } = useI18n();
  return (
    <header className="bf-topbar">
      <a className="bf-brand" href="/">
        ◆ botflow
      </a>
      <nav className="bf-nav">
        <a href="/" className={active === "list" ? "is-active" : ""}>
          {t("common.editor")}
        </a>
        <a href={boot.urls?.inbox ?? "/inbox/"}>{t("common.inbox")}</a>
        <a href="/settings/" className={active === "settings" ? "is-active" : ""}>
          {t("common.settings")}
        </a>
      </nav>
      <span className="bf-spacer" />
      {boot.workspaces.length > 1 ? (
        <select
          aria-label={t("header.workspace")}
          value={boot.workspace}
          onChange={(e) => {
            window.location.href = `?ws=${encodeURIComponent(e.target.value)}`;
          }}
        >
          {boot.workspaces.map((w) => (
            <option key={w.slug} value={w.slug}>
              {w.name}
            </option>
          ))}
        </select>
      ) : (
        <span className="bf-muted">{boot.workspaces[0]?.name}</span>
      )}
      <span className="bf-user">{boot.user.username}</span>
      <LanguageSwitcher />
      <form method="post" action={boot.urls?.logout ?? "/logout/"}>
        <input type="hidden" name="csrfmiddlewaretoken" value={boot.csrf_token} />
        <button type="submit" className="bf-btn bf-btn-small">
          {t("common.logout")}
        </button>
      </form>
    </header>
  );
}
