// The editor's port list must be the schema's: builder/schemas/scenario.v1.json annotates each node
// type's data with x-ports / x-ports-from / x-ports-extra / x-ports-soft / x-ports-optional, which the
// backend's graph checks and the engine read. A port added on one side only fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_TYPES } from "./types";
import { PORT_SPECS } from "./ports";

type Annotated = Record<string, unknown>;
const schemaPath = join(import.meta.dirname, "../../../../builder/schemas/scenario.v1.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as {
  $defs: Record<string, Annotated> & {
    node: {
      properties: { type: { enum: string[] } };
      allOf: { if: { properties: { type: { const: string } } }; then: { properties: { data: { $ref: string } } } }[];
    };
  };
};

/** The data definition the schema applies to nodes of `type` (its if/then branch), with its annotations. */
function dataDef(type: string): Annotated {
  const branch = schema.$defs.node.allOf.find((b) => b.if.properties.type.const === type);
  if (!branch) throw new Error(`schema has no data branch for node type ${type}`);
  const ref = branch.then.properties.data.$ref;
  return schema.$defs[ref.replace("#/$defs/", "")];
}

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

describe("ports.ts against the JSON Schema", () => {
  it("knows exactly the schema's node types", () => {
    expect([...NODE_TYPES].sort()).toEqual([...schema.$defs.node.properties.type.enum].sort());
  });

  for (const type of NODE_TYPES) {
    it(`${type}: the same ports of each kind`, () => {
      const def = dataDef(type);
      const spec = PORT_SPECS[type];
      expect(spec.ports ?? [], "x-ports").toEqual(list(def["x-ports"]));
      expect(spec.extra ?? [], "x-ports-extra").toEqual(list(def["x-ports-extra"]));
      expect(spec.soft ?? [], "x-ports-soft").toEqual(list(def["x-ports-soft"]));
      expect(spec.optional ?? [], "x-ports-optional").toEqual(list(def["x-ports-optional"]));
      // x-ports-from is "<list>/*/id": one port per item of that list, named by its id.
      const from = def["x-ports-from"];
      expect(spec.from ? `${spec.from.list}/*/id` : undefined, "x-ports-from").toEqual(from);
      // A type with no annotation at all would be a schema mistake, not "no ports".
      expect(Object.keys(def).some((k) => k.startsWith("x-ports")), "annotated").toBe(true);
    });
  }
});
