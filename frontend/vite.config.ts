import { resolve } from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Multi-page build: the Django shell pages read dist/.vite/manifest.json to find each entry's files.
// The widget is built separately (vite.widget.config.ts) as one self-contained dist/widget.js.
export default defineConfig({
  plugins: [react()],
  base: "/static/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    rollupOptions: {
      input: {
        editor: resolve(import.meta.dirname, "src/editor/main.tsx"),
        inbox: resolve(import.meta.dirname, "src/inbox/main.tsx"),
      },
    },
  },
});
