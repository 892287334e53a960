import "@xyflow/react/dist/style.css";
import "./editor.css";
import { createRoot } from "react-dom/client";
import { setCsrfToken } from "../shared/api";
import { readBootstrap } from "../shared/bootstrap";
import { I18nProvider } from "../shared/i18n";
import { EditorApp } from "./EditorPage";
import { dicts } from "./i18n";
import { ListPage } from "./ListPage";
import { SettingsPage } from "./SettingsPage";

const boot = readBootstrap();
setCsrfToken(boot.csrf_token);
const page = document.body.dataset.page;
const root = document.getElementById("root")!;

createRoot(root).render(
  <I18nProvider dicts={dicts} serverHint={boot.language}>
    {page === "editor" ? <EditorApp boot={boot} /> : page === "settings" ? <SettingsPage boot={boot} /> : <ListPage boot={boot} />}
  </I18nProvider>,
);
