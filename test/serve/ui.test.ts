import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_CONFIG } from '../../src/serve/config.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { copyDb } from './estate.js';

// The web UI in Debian's Chromium (headless, driven by playwright-core; scripts/ensure-chromium.mjs
// installs it): every page loads without console errors or requests beyond the server, a query
// draws its chart, the map and the sankey render, an alert opens its evidence, and the why page
// answers the estate's denied-SQL scenario.
/** The part of the Monaco API the page loaded that these tests use. */
interface MonacoGlobal {
  monaco: {
    editor: { getModels(): { setValue(v: string): void }[]; getModelMarkers(filter: object): unknown[] };
  };
}

const CHROMIUM = process.env.VNETFLOW_CHROMIUM ?? '/usr/bin/chromium';
let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer({ ...DEFAULT_CONFIG, db: await copyDb('ui'), port: 0 }, () => undefined);
  while (!server.pipeline.last) await new Promise((r) => setTimeout(r, 50));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox as root in CI; nothing of Chromium's own phones home.
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-pings',
      '--disable-domain-reliability',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A page that records console errors, page errors and any request that leaves the server. */
async function open(hash: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  const origin = new URL(server.url).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`request beyond the server: ${url}`);
    return route.abort();
  });
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 });
  return { page, problems };
}

test('the overview draws every tile: charts, the world map, the sankey and the topology', async () => {
  const { page, problems } = await open('#/overview');
  await page.waitForSelector('[data-drawn="map"]', { timeout: 30_000 });
  for (const kind of ['sankey', 'graph'])
    assert.equal(await page.locator(`[data-drawn="${kind}"]`).count(), 1, kind);
  const tiles = await page.locator('section.tile').count();
  const charts = await page.locator('section.tile [data-drawn] svg').count();
  assert.ok(tiles >= 12, `${tiles} tiles`);
  assert.ok(charts >= tiles - 1, `${charts} charts for ${tiles} tiles (one is a table)`);
  assert.equal(await page.locator('section.tile .error').count(), 0, 'no tile failed');
  assert.ok(Number((await page.locator('.kpi b').first().textContent())?.replace(/[^\d.]/g, '')) > 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the editor: Monaco with the Kusto language and our schema; a seed query runs and draws its chart', async () => {
  const { page, problems } = await open('#/query');
  await page.waitForSelector('#editor[data-editor="monaco"]');
  await page.waitForSelector('#editor[data-schema="set"]', { timeout: 30_000 });
  // A seed query from the list runs as it is.
  await page.getByText('Flow types (NTANetAnalytics').click();
  await page.click('#run');
  await page.waitForSelector('#output table.data tbody tr');
  assert.ok((await page.locator('#output table.data tbody tr').count()) >= 3);
  // A query with render draws the chart it asks for.
  for (const [kind, kql] of [
    [
      'columnchart',
      'NTANetAnalytics | summarize Bytes = sum(BytesSrcToDest) by FlowType | render columnchart',
    ],
    [
      'timechart',
      'FlowTuples | summarize Tuples = count() by bin(TimeGenerated, 10m), FlowStatus | render timechart',
    ],
  ]) {
    await page.evaluate(
      (text) => (globalThis as unknown as MonacoGlobal).monaco.editor.getModels()[0].setValue(text),
      kql,
    );
    await page.click('#run');
    await page.waitForSelector(`#result-chart[data-drawn="${kind}"] svg`, { timeout: 30_000 });
  }
  // Errors as you type, from monaco-kusto's analyzer with the schema the server gave it.
  await page.evaluate(() =>
    (globalThis as unknown as MonacoGlobal).monaco.editor
      .getModels()[0]
      .setValue('NTANetAnalytics | where NoSuchColumn > 1'),
  );
  await page.waitForFunction(
    () => (globalThis as unknown as MonacoGlobal).monaco.editor.getModelMarkers({}).length > 0,
    null,
    { timeout: 30_000 },
  );
  await page.click('#run');
  await page.waitForSelector('#query-error');
  assert.match((await page.textContent('#query-error')) ?? '', /line 1, column \d+: .*NoSuchColumn/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('an alert opens its evidence flows', async () => {
  const { page, problems } = await open('#/alerts');
  const rows = page.locator('#app > div table.data tbody tr');
  assert.ok((await rows.count()) > 0, 'the estate raised alerts');
  await rows.first().click();
  await page.waitForSelector('#evidence[data-ready="true"]', { timeout: 30_000 });
  assert.ok((await page.locator('#evidence table.data tbody tr').count()) > 0);
  assert.match((await page.textContent('#evidence pre.kql')) ?? '', /FlowTuples|DNSQueryLogs/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("why can't the dev VM reach SQL: the page answers with the rule, the NIC and the direction", async () => {
  const { page, problems } = await open('#/why');
  await page.fill('#why-src', '10.3.0.4');
  await page.fill('#why-dst', '10.1.2.4');
  await page.fill('#why-port', '1433');
  await page.click('#why-ask');
  await page.waitForSelector('#why-answer');
  assert.equal(await page.getAttribute('#why-answer', 'data-verdict'), 'denied');
  const sentence = (await page.textContent('#why-answer')) ?? '';
  assert.match(
    sentence,
    /10\.3\.0\.4 cannot reach 10\.1\.2\.4:1433: rule DenyDevToSql .* inbound at flowlogs\/sql-vm-1-nic/,
  );
  assert.deepEqual(problems, []);
  await page.close();
});

test('the ingest page shows sources and errors', async () => {
  const { page, problems } = await open('#/ingest');
  assert.match((await page.textContent('#app')) ?? '', /Ingest errors/);
  assert.deepEqual(problems, []);
  await page.close();
});
