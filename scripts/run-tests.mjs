// Runs every compiled *.test.js under dist/ with Node's test runner (Node 20 has no --test globs),
// then the KQL tests again with the patches of Kusto.Language's internals off
// (VNETFLOW_KUSTO_PATCHES=0): the answers must not depend on them.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureChromium } from './ensure-chromium.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
// The UI tests need a browser; without one they fail (saying why) rather than being skipped.
ensureChromium();
const files = find('dist').sort();
const all = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
if (all.status !== 0) process.exit(all.status ?? 1);
// The speed-ups' own test applies the patches itself, to compare them with the originals.
const kql = files.filter((f) => /^kql.*\.test\.js$/.test(basename(f)) && !basename(f).includes('speedups'));
console.log(`\n# the ${kql.length} KQL test files again, with VNETFLOW_KUSTO_PATCHES=0`);
const unpatched = spawnSync(process.execPath, ['--test', ...kql], {
  stdio: 'inherit',
  env: { ...process.env, VNETFLOW_KUSTO_PATCHES: '0' },
});
process.exit(unpatched.status ?? 1);
