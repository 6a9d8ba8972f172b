// Bundles src/ into bot/web/static/build/ (widget.js + widget.css).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../../bot/web/static/build");

await build({
  entryPoints: { widget: path.join(here, "src/index.js") },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2019"],
  outdir,
  logLevel: "info",
});
