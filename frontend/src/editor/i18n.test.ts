import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { common } from "../shared/i18n";
import { dicts } from "./i18n";
import { NODE_TYPES } from "./model/types";
import { GROUPS } from "./Palette";
import { PORT_SPECS } from "./model/ports";

const dir = import.meta.dirname;
const sources = readdirSync(dir, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".tsx") || (f.endsWith(".ts") && !f.endsWith(".test.ts")))
  .map((f) => readFileSync(join(dir, f), "utf8"))
  .join("\n");

describe("editor UI strings", () => {
  it("has the same keys in English and Russian", () => {
    expect(Object.keys(dicts.ru).sort()).toEqual(Object.keys(dicts.en).sort());
    expect(Object.keys(common.ru).sort()).toEqual(Object.keys(common.en).sort());
  });

  it("defines every literal key the code uses", () => {
    const used = new Set([...sources.matchAll(/\bt\(\s*"([a-z_]+\.[A-Za-z0-9_.]+)"/g)].map((m) => m[1]));
    for (const g of GROUPS) used.add(g.key);
    const missing = [...used].filter((k) => !(k in dicts.en) && !(k in common.en));
    expect(missing).toEqual([]);
  });

  it("names every node type, its help text and every fixed port", () => {
    for (const type of NODE_TYPES) {
      expect(dicts.en[`type.${type}`]).toBeTruthy();
      expect(dicts.ru[`help.${type}`]).toBeTruthy();
      const spec = PORT_SPECS[type];
      for (const p of [...(spec.ports ?? []), ...(spec.extra ?? []), ...(spec.optional ?? [])]) {
        expect((dicts.ru as Record<string, string>)[`port.${p}`], p).toBeTruthy();
      }
    }
  });

  it("offers every node type in the palette exactly once", () => {
    expect(GROUPS.flatMap((g) => g.types).sort()).toEqual([...NODE_TYPES].sort());
  });
});
