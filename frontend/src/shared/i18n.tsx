// UI language for the editor and the inbox: English and Russian. The browser language picks,
// a switcher overrides it (remembered in localStorage). Each app passes its own dictionaries;
// `common` below holds strings both apps use.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Lang = "en" | "ru";
export type Dict = Record<string, string>;
export type Dicts = { en: Dict; ru: Dict };
export type T = (key: string, params?: Record<string, string | number>) => string;

export const LANGUAGES: { code: Lang; label: string }[] = [
  { code: "en", label: "English" },
  { code: "ru", label: "Русский" },
];

const STORAGE_KEY = "botflow.lang";

export const common: Dicts = {
  en: {
    "common.save": "Save",
    "common.cancel": "Cancel",
    "common.close": "Close",
    "common.delete": "Delete",
    "common.loading": "Loading…",
    "common.logout": "Log out",
    "common.language": "Language",
    "common.error": "Something went wrong",
    "common.retry": "Retry",
    "common.editor": "Scenarios",
    "common.inbox": "Inbox",
    "common.settings": "Settings",
  },
  ru: {
    "common.save": "Сохранить",
    "common.cancel": "Отмена",
    "common.close": "Закрыть",
    "common.delete": "Удалить",
    "common.loading": "Загрузка…",
    "common.logout": "Выйти",
    "common.language": "Язык",
    "common.error": "Что-то пошло не так",
    "common.retry": "Повторить",
    "common.editor": "Сценарии",
    "common.inbox": "Входящие",
    "common.settings": "Настройки",
  },
};

/** Stored choice, else the server's hint, else the browser's languages. */
export function detectLanguage(serverHint?: string): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === "en" || stored === "ru") return stored;
  } catch {
    /* storage blocked: fall through */
  }
  const candidates = [...(typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : []), serverHint ?? ""];
  for (const c of candidates) {
    const base = (c || "").toLowerCase().split("-")[0];
    if (base === "ru") return "ru";
    if (base === "en") return "en";
  }
  return "en";
}

export function makeTranslator(dicts: Dicts, lang: Lang): T {
  return (key, params) => {
    let s = dicts[lang][key] ?? common[lang][key] ?? dicts.en[key] ?? common.en[key] ?? key;
    if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
}

interface I18nValue {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: T;
}

const I18nContext = createContext<I18nValue>({ lang: "en", setLang: () => {}, t: (k) => k });

export function I18nProvider({ dicts, serverHint, children }: { dicts: Dicts; serverHint?: string; children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => detectLanguage(serverHint));
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* ignore */
    }
    document.documentElement.lang = l;
  }, []);
  const value = useMemo(() => ({ lang, setLang, t: makeTranslator(dicts, lang) }), [dicts, lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  return useContext(I18nContext);
}

export function LanguageSwitcher({ className }: { className?: string }) {
  const { lang, setLang, t } = useI18n();
  return (
    <select
      className={className ?? "bf-lang"}
      aria-label={t("common.language")}
      value={lang}
      onChange={(e) => setLang(e.target.value as Lang)}
    >
      {LANGUAGES.map((l) => (
        <option key={l.code} value={l.code}>
          {l.label}
        </option>
      ))}
    </select>
  );
}
