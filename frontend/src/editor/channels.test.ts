import { describe, expect, it } from "vitest";
import { createPayload, customerChannels, EMPTY_FORM, publishedScenarios, formComplete, mergeTemplates, parseOrigins, placeholderNumbers, variablesFor, type WaTemplate } from "./channels";
import { defaultData } from "./model/defaults";

describe("what a channel runs", () => {
  it("offers only published scenarios, by name, and hides preview channels", () => {
    const list = [
      { id: "b", name: "Beta", published_version: 2 },
      { id: "d", name: "Draft only", published_version: null },
      { id: "a", name: "Alpha", published_version: 1 },
    ];
    expect(publishedScenarios(list).map((s) => s.id)).toEqual(["a", "b"]);
    const channel = (id: number, kind: string) => ({ id, kind }) as never;
    expect(customerChannels([channel(1, "web"), channel(2, "preview"), channel(3, "telegram")]).map((c: { id: number }) => c.id)).toEqual([1, 3]);
  });
});

describe("channel create form", () => {
  it("parses allowed origins typed one per line or comma-separated", () => {
    expect(parseOrigins(" https://shop.example/ ,\nhttp://localhost:8000\n\nhttps://shop.example")).toEqual([
      "https://shop.example",
      "http://localhost:8000",
    ]);
    expect(parseOrigins("")).toEqual([]);
  });

  it("sends only the chosen kind's config and secrets", () => {
    const form = {
      ...EMPTY_FORM,
      name: " Shop ",
      origins: "https://shop.example",
      bot_token: " 123:abc ",
      phone_number_id: "1055",
      access_token: "EAAG",
      app_secret: "s3",
    };
    expect(createPayload("web", form)).toEqual({ kind: "web", name: "Shop", scenario: null, config: { allowed_origins: ["https://shop.example"] } });
    expect(createPayload("telegram", form)).toEqual({ kind: "telegram", name: "Shop", scenario: null, secrets: { bot_token: "123:abc" } });
    expect(createPayload("telegram", { ...form, scenario: "s-1" })).toMatchObject({ scenario: "s-1" });
    expect(createPayload("whatsapp", form)).toEqual({
      kind: "whatsapp",
      name: "Shop",
      scenario: null,
      config: { phone_number_id: "1055" },
      secrets: { access_token: "EAAG", app_secret: "s3" },
    });
  });

  it("requires a name and the kind's credentials", () => {
    expect(formComplete("web", { ...EMPTY_FORM, name: "Site" })).toBe(true);
    expect(formComplete("web", { ...EMPTY_FORM, name: "  " })).toBe(false);
    expect(formComplete("telegram", { ...EMPTY_FORM, name: "Bot" })).toBe(false);
    expect(formComplete("telegram", { ...EMPTY_FORM, name: "Bot", bot_token: "1:x" })).toBe(true);
    expect(formComplete("whatsapp", { ...EMPTY_FORM, name: "WA", phone_number_id: "1", access_token: "t" })).toBe(false);
    expect(formComplete("whatsapp", { ...EMPTY_FORM, name: "WA", phone_number_id: "1", access_token: "t", app_secret: "s" })).toBe(true);
  });
});

describe("WhatsApp templates", () => {
  it("finds numbered placeholders in numeric order, once each", () => {
    expect(placeholderNumbers("Hi {{1}}, order {{ 2 }} ships {{10}}; thanks {{1}} {{name}}")).toEqual(["1", "2", "10"]);
    expect(placeholderNumbers("No placeholders")).toEqual([]);
  });

  it("keeps typed values for placeholders the new template still has", () => {
    expect(variablesFor(["1", "3"], { "1": "{{contact_name}}", "2": "{{order}}" })).toEqual({ "1": "{{contact_name}}", "3": "" });
    expect(variablesFor([], undefined)).toEqual({});
  });

  it("lists one template per name and language, preferring the approved copy", () => {
    const tpl = (id: number, name: string, language: string, status: string): WaTemplate => ({
      id, name, language, status, category: "utility", body: "", placeholders: [],
    });
    const merged = mergeTemplates([tpl(1, "order", "ru", "draft"), tpl(2, "alpha", "en", "approved"), tpl(3, "order", "ru", "approved")]);
    expect(merged.map((t) => [t.name, t.id])).toEqual([["alpha", 2], ["order", 3]]);
  });

  it("starts a template node valid for the schema's name and language patterns", () => {
    const data = defaultData("template");
    expect(data.template).toMatch(/^[a-z0-9_]{1,512}$/);
    expect(data.language).toMatch(/^[a-z]{2,3}(_[A-Z]{2})?$/);
  });
});
