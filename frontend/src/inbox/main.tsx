import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { readBootstrap } from "../shared/bootstrap";
import { setCsrfToken } from "../shared/api";
import { I18nProvider } from "../shared/i18n";
import { App, type InboxBootstrap } from "./App";
import { inboxDicts } from "./i18n";
import "./inbox.css";

const boot = readBootstrap() as InboxBootstrap;
setCsrfToken(boot.csrf_token);

const el = document.getElementById("root");
if (el) {
  createRoot(el).render(
    <StrictMode>
      <I18nProvider dicts={inboxDicts} serverHint={boot.language}>
        <App boot={boot} />
      </I18nProvider>
    </StrictMode>,
  );
}
