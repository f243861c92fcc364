// Part of `npm run build`: lays out dist/ui beside the UI's compiled code (tsc -p ui): the page,
// its stylesheet, and the world map as GeoJSON whose features are named by ISO 3166-1 alpha-2
// code, the way NTANetAnalytics.Country names countries (world-atlas keys them by numeric code).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'ui', f), join(out, f));

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
writeFileSync(join(out, 'world.json'), JSON.stringify(geo));
console.log(`dist/ui: page, stylesheet, world map (${geo.features.length} areas, ${named} with ISO codes)`);
