// Builds Vínculo's front-end assets into src/vinculo/web/static/.
// Uses only Node's standard library and packages already in node_modules:
// nothing is fetched at build time, and nothing is ever loaded from a CDN.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "vinculo", "web", "static");

const files = [
  ["node_modules/@picocss/pico/css/pico.min.css", "css/pico.min.css"],
  ["frontend/app.css", "css/app.css"],
  ["frontend/app.js", "js/app.js"],
  ["frontend/workspace.css", "css/workspace.css"],
  ["frontend/graph.css", "css/graph.css"],
  ["frontend/map.css", "css/map.css"],
  ["frontend/accountability.css", "css/accountability.css"],
  ["frontend/import.js", "js/import.js"],
  // axe-core, for the accessibility tests (tests/web/test_axe.py) to inject: same origin.
  ["node_modules/axe-core/axe.min.js", "js/axe.min.js"],
];

for (const dir of ["css", "js"]) {
  rmSync(join(out, dir), { recursive: true, force: true });
}

for (const [from, to] of files) {
  const src = join(root, from);
  if (!existsSync(src)) {
    const hint = from.startsWith("node_modules/")
      ? "run `npm ci` first (or `make assets`)"
      : "the source file is missing from the repository";
    console.error(`build: ${from} not found; ${hint}.`);
    process.exit(1);
  }
  const dest = join(out, to);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
  console.log(`build: ${from} -> ${relative(root, dest)}`);
}

// The network page's graph (sigma.js + graphology from node_modules), bundled by esbuild.
const { build } = await import("esbuild");
const bundle = join(out, "js", "graph.js");
await build({
  entryPoints: [join(root, "frontend", "graph.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: bundle,
  logLevel: "warning",
});
console.log(`build: frontend/graph.js (bundled) -> ${relative(root, bundle)}`);

// The form helpers (marking preview, entity rows, busy forms), bundled the same way.
const forms = join(out, "js", "forms.js");
await build({
  entryPoints: [join(root, "frontend", "forms.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: forms,
  logLevel: "warning",
});
console.log(`build: frontend/forms.js (bundled) -> ${relative(root, forms)}`);

// The map (d3-geo + topojson-client from node_modules), bundled the same way.
const map = join(out, "js", "map.js");
await build({
  entryPoints: [join(root, "frontend", "map.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: map,
  logLevel: "warning",
});
console.log(`build: frontend/map.js (bundled) -> ${relative(root, map)}`);

// The accountability page's charts (ECharts) and map of Mexican states (d3-geo), bundled the
// same way: only the chart types and components it uses are taken from ECharts.
const accountability = join(out, "js", "accountability.js");
await build({
  entryPoints: [join(root, "frontend", "accountability.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: accountability,
  logLevel: "warning",
});
console.log(`build: frontend/accountability.js (bundled) -> ${relative(root, accountability)}`);

// The public transparency portal's charts (ECharts), bundled the same way into the public
// site's own static folder (src/vinculo/civic/static/), which the public process serves.
const portal = join(root, "src", "vinculo", "civic", "static", "portal.js");
await build({
  entryPoints: [join(root, "frontend", "portal.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: portal,
  logLevel: "warning",
});
console.log(`build: frontend/portal.js (bundled) -> ${relative(root, portal)}`);

// The reporting form's proof-of-work (hash-wasm's scrypt, its WebAssembly inlined), bundled
// the same way into the public site's static folder.
const pow = join(root, "src", "vinculo", "civic", "static", "pow.js");
await build({
  entryPoints: [join(root, "frontend", "pow.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: pow,
  logLevel: "warning",
});
console.log(`build: frontend/pow.js (bundled) -> ${relative(root, pow)}`);

// The map's base layers, served from static/map/ (never a tile server): countries from
// world-atlas, U.S. states from us-atlas (TopoJSON, as published), and the Mexican states of
// @svg-maps/mexico turned into GeoJSON lines in longitude and latitude (frontend/mexico.mjs).
rmSync(join(out, "map"), { recursive: true, force: true });
mkdirSync(join(out, "map"), { recursive: true });
for (const [from, to] of [
  ["node_modules/world-atlas/countries-50m.json", "map/countries-50m.json"],
  ["node_modules/us-atlas/states-10m.json", "map/us-states-10m.json"],
]) {
  const src = join(root, from);
  if (!existsSync(src)) {
    console.error(`build: ${from} not found; run \`npm ci\` first (or \`make assets\`).`);
    process.exit(1);
  }
  copyFileSync(src, join(out, to));
  console.log(`build: ${from} -> ${relative(root, join(out, to))}`);
}
const { mexicoStates } = await import("./mexico.mjs");
const mexico = join(out, "map", "mexico-states.json");
writeFileSync(mexico, JSON.stringify(mexicoStates()));
console.log(`build: @svg-maps/mexico (as GeoJSON lines) -> ${relative(root, mexico)}`);
// The same states for the public site's map of reports (its own static folder: the public
// process serves nothing of the internal one).
const publicMap = join(root, "src", "vinculo", "civic", "static", "map");
mkdirSync(publicMap, { recursive: true });
copyFileSync(mexico, join(publicMap, "mexico-states.json"));
console.log(`build: ${relative(root, mexico)} -> ${relative(root, join(publicMap, "mexico-states.json"))}`);

// The theme switch's early script, the logo and the favicon, copied as they are.
rmSync(join(out, "img"), { recursive: true, force: true });
for (const [from, to] of [
  ["frontend/theme.js", "js/theme.js"],
  ["frontend/img/logo.svg", "img/logo.svg"],
  ["frontend/img/favicon.svg", "img/favicon.svg"],
]) {
  const dest = join(out, to);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(join(root, from), dest);
  console.log(`build: ${from} -> ${relative(root, dest)}`);
}
