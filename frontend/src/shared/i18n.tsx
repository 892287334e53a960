// UI language for the editor and the inbox: English and Russian. The browser language picks,
// a switcher overrides it (remembered in localStorage). Each app passes its own dictionaries;
// `common` below holds strings both apps use.
// Keys are typed: each app derives its key union from its English dictionary (`as const`), the Russian
// one must have exactly those keys, and `t("no.such.key")` is a type error (see editor/i18n.ts).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Lang = "en" | "ru";
export type Params = Record<string, string | number>;
/** A dictionary: every key of the union K, in one language. */
export type Dict<K extends string = string> = Readonly<Record<K, string>>;
export type Dicts<K extends string = string> = { en: Dict<K>; ru: Dict<K> };
/** A translator that accepts only the keys K (an app's keys plus the common ones). */
export type T<K extends string = string> = (key: K, params?: Params) => string;

export const LANGUAGES: { code: Lang; label: string }[] = [
  { code: "en", label: "English" },
  { code: "ru", label: "Русский" },
];

const STORAGE_KEY = "botflow.lang";

const COMMON_EN = {
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
} as const;

export type CommonKey = keyof typeof COMMON_EN;

const COMMON_RU: Dict<CommonKey> = {
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
};

export const common: Dicts<CommonKey> = { en: COMMON_EN, ru: COMMON_RU };

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

export function makeTranslator<K extends string>(dicts: Dicts<K>, lang: Lang): T<K | CommonKey> {
  const own: Record<Lang, Record<string, string | undefined>> = dicts;
  const shared: Record<Lang, Record<string, string | undefined>> = common;
  return (key, params) => {
    let s = own[lang][key] ?? shared[lang][key] ?? own.en[key] ?? shared.en[key] ?? key;
    if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
}

export interface I18nValue<K extends string = CommonKey> {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: T<K>;
}

const I18nContext = createContext<I18nValue<string>>({ lang: "en", setLang: () => {}, t: (k) => k });

export function I18nProvider<K extends string>({ dicts, serverHint, children }: { dicts: Dicts<K>; serverHint?: string; children: ReactNode }) {
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
  // The context is untyped in its keys; each app's useI18n narrows them (the translator falls back to the key).
  const value = useMemo(() => ({ lang, setLang, t: makeTranslator(dicts, lang) as T }), [dicts, lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/**
 * The language and the translator. K is the app's key union: the provider above the app holds that app's
 * dictionaries (editor/main.tsx, inbox/main.tsx), so its keys are the ones `t` can resolve. Apps call their
 * own typed wrapper (editor/i18n.ts, inbox/i18n.ts).
 */
export function useI18n<K extends string = CommonKey>(): I18nValue<K | CommonKey> {
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
