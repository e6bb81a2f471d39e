import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const pkg = fileURLToPath(new URL("../packages/runql", import.meta.url));

// A static site: `vite build` writes dist/, which any static host (or `runql serve`) serves.
export default defineConfig({
  // Relative asset URLs, so dist/ works under any path prefix.
  base: "./",
  resolve: { alias: { runql: `${pkg}/src/index.js` } },
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2048 },
  server: { host: "127.0.0.1", fs: { allow: [".", pkg] } },
});
