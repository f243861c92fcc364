// Part of `npm run build` (after `tsc -p ui`, which only checks the types): lays out dist/ui.
// - main.js: the UI's modules bundled by esbuild into one file (one request instead of a waterfall
//   of imports; the page starts its queries sooner),
// - echarts.js: the part of ECharts the UI uses (ui/src/echarts-lite.ts), loaded async,
// - the page, its stylesheet, and the world map as GeoJSON whose features are named by ISO 3166-1
//   alpha-2 code, the way NTANetAnalytics.Country names countries (world-atlas keys them by
//   numeric code).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'ui', f), join(out, f));
const bundle = (entry, outfile, format) =>
  buildSync({
    entryPoints: [join(root, 'ui', 'src', entry)],
    outfile: join(out, outfile),
    bundle: true,
    minify: true,
    sourcemap: true,
    format,
    target: 'es2022',
    logLevel: 'warning',
  });
bundle('main.ts', 'main.js', 'esm');
bundle('echarts-lite.ts', 'echarts.js', 'iife');

const { feature } = require('topojson-client');
const countries = require('i18n-iso-countries');
const topo = JSON.parse(readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8'));
const geo = feature(topo, topo.objects.countries);
let named = 0;
for (const f of geo.features) {
  const code = f.id === undefined ? undefined : countries.numericToAlpha2(String(f.id).padStart(3, '0'));
  // A few areas have no numeric code (Kosovo, Northern Cyprus, Somaliland): keep their own name.
  f.properties = { name: code ?? f.properties.name, title: f.properties.name };
  if (code) named++;
}
// Two decimals (about a kilometre) are finer than the 1:110m map itself; the file shrinks by
// half and the page parses it in half the time.
const round = (c) => (typeof c === 'number' ? Math.round(c * 100) / 100 : c.map(round));
for (const f of geo.features) f.geometry.coordinates = round(f.geometry.coordinates);
writeFileSync(join(out, 'world.json'), JSON.stringify(geo));
console.log(`dist/ui: page, stylesheet, world map (${geo.features.length} areas, ${named} with ISO codes)`);
