// A tiny static file server for the browser tests and benchmark: serves the repository on
// 127.0.0.1 (random port), plus GET /__list?dir=DIR -> JSON array of the files under DIR.

import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".csv": "text/csv",
  ".parquet": "application/octet-stream",
  ".zip": "application/zip",
  ".map": "application/json",
  ".d.ts": "text/plain",
};

async function listFiles(dir) {
  const out = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else if (entry.isFile()) out.push(p);
    }
  }
  return out.sort();
}

/** Starts the server on 127.0.0.1; resolves to {url, close()}. */
export function startServer(root, port = 0) {
  const base = resolve(root);
  const inside = (p) => p === base || p.startsWith(base + sep);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://127.0.0.1");
      if (url.pathname === "/__list") {
        const dir = resolve(base, normalize(url.searchParams.get("dir") ?? "."));
        if (!inside(dir)) throw Object.assign(new Error("outside root"), { code: 403 });
        const files = (await listFiles(dir)).map((f) => relative(base, f).split(sep).join("/"));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(files));
        return;
      }
      let file = resolve(base, "." + decodeURIComponent(url.pathname));
      if (!inside(file)) throw Object.assign(new Error("outside root"), { code: 403 });
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file);
      }
      if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: 404 });
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": info.size,
        "cache-control": "no-store",
      });
      createReadStream(file).pipe(res);
    } catch (e) {
      const code = e.code === 403 ? 403 : 404;
      res.writeHead(code, { "content-type": "text/plain" });
      res.end(String(e.message ?? e));
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const { port } = server.address();
      ok({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

/** Chromium flags that work on these machines (see DESIGN.md, WebAssembly notes). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// `node tests/browser/server.mjs [PORT]` serves the repository, e.g. for examples/web/.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const { url } = await startServer(root, Number(process.argv[2] ?? 8080));
  console.log(`serving ${root} at ${url}/ (examples: ${url}/examples/web/)`);
}
