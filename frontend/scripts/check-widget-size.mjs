// The widget's size budget: it loads on every page of a customer's site, so it must stay small.
// Used by vite.widget.config.ts after the bundle is written; also runnable alone:
//   node scripts/check-widget-size.mjs [path]
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WIDGET_BUDGET_BYTES = 15360; // 15 KB gzipped

/** Gzipped size of `file`; throws when it is over the budget. */
export function checkWidgetSize(file, budget = WIDGET_BUDGET_BYTES) {
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 }).length;
  if (gz > budget) {
    throw new Error(`widget.js is ${gz} bytes gzipped, over the ${budget}-byte budget (${raw.length} bytes raw)`);
  }
  return { raw: raw.length, gzip: gz };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] || resolve(fileURLToPath(new URL("..", import.meta.url)), "dist/widget.js");
  try {
    const { raw, gzip } = checkWidgetSize(file);
    console.log(`widget.js: ${raw} bytes, ${gzip} bytes gzipped (budget ${WIDGET_BUDGET_BYTES})`);
  } catch (e) {
    console.error(String(e.message || e));
    process.exit(1);
  }
}
