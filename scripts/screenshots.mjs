// `npm run screenshots -- DB`: serves DB (the demo's database, vnetflow demo) and saves a
// screenshot of each page of the UI to docs/img/, as docs/ui.md and the README show them.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { DEFAULT_CONFIG } from '../dist/src/serve/config.js';
import { startServer } from '../dist/src/serve/server.js';
import { CHROMIUM, ensureChromium } from './ensure-chromium.mjs';

const db = resolve(process.argv[2] ?? 'vnetflow-demo/vnetflow.duckdb');
const out = resolve('docs', 'img');
mkdirSync(out, { recursive: true });
if (!ensureChromium()) process.exit(1);
const server = await startServer({ ...DEFAULT_CONFIG, db, port: 0 }, () => undefined);
while (!server.pipeline.last) await sleep(100);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const ready = () => page.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 });
const shot = (name, fullPage = false) => page.screenshot({ path: join(out, `${name}.png`), fullPage });

await page.goto(`${server.url}#/overview`);
await ready();
await page.waitForTimeout(1500);
await shot('overview', true);

await page.goto(`${server.url}#/query`);
await ready();
await page.waitForSelector('#editor[data-schema="set"]', { timeout: 60_000 });
await page.getByText('On-premises <-> Azure by direction').click();
await page.click('#run');
await page.waitForSelector('#result-chart[data-drawn] svg');
await page.waitForTimeout(500);
await shot('query');

await page.goto(`${server.url}#/alerts`);
await ready();
await page.locator('#app > div table.data tbody tr').first().click();
await page.waitForSelector('#evidence[data-ready="true"]');
await shot('alerts', true);

await page.goto(`${server.url}#/why`);
await ready();
await page.fill('#why-src', '10.3.0.4');
await page.fill('#why-dst', '10.1.2.4');
await page.fill('#why-port', '1433');
await page.click('#why-ask');
await page.waitForSelector('#why-answer');
await shot('why');

await page.goto(`${server.url}#/ingest`);
await ready();
await shot('ingest');

await browser.close();
await server.close();
console.log(`screenshots in ${out}`);
