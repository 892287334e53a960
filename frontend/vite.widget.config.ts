import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";
// @ts-expect-error plain ESM helper shared with the CLI check; no type declarations needed
import { checkWidgetSize, WIDGET_BUDGET_BYTES } from "./scripts/check-widget-size.mjs";

const outDir = resolve(import.meta.dirname, "dist");

// Fails the build when dist/widget.js grows over 15 KB gzipped.
function widgetBudget(): Plugin {
  return {
    name: "botflow-widget-budget",
    apply: "build",
    closeBundle() {
      const { raw, gzip } = checkWidgetSize(resolve(outDir, "widget.js"), WIDGET_BUDGET_BYTES);
      console.log(`widget.js: ${raw} bytes, ${gzip} bytes gzipped (budget ${WIDGET_BUDGET_BYTES})`);
    },
  };
}

// The embeddable widget: one self-contained IIFE at dist/widget.js, built after the main build,
// so it must not empty dist/. Served at /static/widget.js (whitenoise, or the fallback view).
export default defineConfig({
  plugins: [widgetBudget()],
  base: "/static/",
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: false,
    sourcemap: false,
    target: "es2019",
    minify: "esbuild",
    copyPublicDir: false,
    lib: {
      entry: resolve(import.meta.dirname, "src/widget/main.ts"),
      name: "BotflowWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
