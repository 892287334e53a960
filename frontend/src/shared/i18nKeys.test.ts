// Translation keys are types: `npm run build` (tsc) fails on an unknown key or on a Russian dictionary
// that misses or adds a key. The @ts-expect-error lines below are the proof: if any of them stopped being
// an error, tsc would report the unused directive. The runtime checks keep the fallbacks honest.
import { describe, expect, it } from "vitest";
import { dicts as editorDicts, isEditorKey } from "../editor/i18n";
import { inboxDicts, isInboxKey, type InboxKey } from "../inbox/i18n";
import { pickStrings } from "../widget/i18n";
import { common, makeTranslator, type CommonKey, type Dict } from "./i18n";

describe("typed translation keys", () => {
  it("rejects unknown keys at compile time and shows them as-is at run time", () => {
    const t = makeTranslator(editorDicts, "ru");
    expect(t("tb.publish")).toBe(editorDicts.ru["tb.publish"]);
    expect(t("common.save")).toBe(common.ru["common.save"]);
    // @ts-expect-error an editor translator does not accept a key no dictionary defines
    expect(t("unknown.key")).toBe("unknown.key");
    const ti = makeTranslator(inboxDicts, "en");
    // @ts-expect-error an inbox translator does not accept an editor key
    expect(ti("tb.publish")).toBe("tb.publish");
    const widget = pickStrings("ru");
    // @ts-expect-error the widget's strings are an object type: no such property
    expect(widget.unknownKey).toBeUndefined();
  });

  it("requires every key in Russian and no extra one", () => {
    // @ts-expect-error a dictionary missing a key does not type-check
    const missing: Dict<CommonKey> = { "common.save": "Сохранить" };
    const extra: Dict<"common.save"> = {
      "common.save": "Сохранить",
      // @ts-expect-error nor does one with a key English does not have
      "common.nope": "x",
    };
    expect(Object.keys(missing).length + Object.keys(extra).length).toBe(3);
  });

  it("tells keys built at run time from unknown ones", () => {
    expect(isEditorKey("type.message")).toBe(true);
    expect(isEditorKey("common.retry")).toBe(true);
    expect(isEditorKey("finding.no_such_code")).toBe(false);
    expect(isInboxKey("inbox.title")).toBe(true);
    expect(isInboxKey("type.message")).toBe(false);
    const k: InboxKey = "inbox.title";
    expect(Object.keys(inboxDicts.ru)).toContain(k);
  });
});
