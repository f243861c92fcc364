import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { before, test } from 'node:test';
import { EcsFlat } from '@elastic/ecs';
import { buildAnalytics } from '../../src/analytics/build.js';
import { detect } from '../../src/detect/detect.js';
import { loadRules } from '../../src/detect/load-rules.js';
import { exportEvents } from '../../src/export/export.js';
import { generate } from '../../src/synth/generate.js';
import type { Store } from '../../src/store/store.js';
import { CLI, count, FIXTURES, ingestPaths, memoryStore, put, tempDir } from '../helpers.js';

// Exports of a generated estate, validated against the published schemas: ECS field definitions
// from @elastic/ecs (EcsFlat), OCSF 1.2.0 requirements and types read from ocsf/ocsf-schema
// (test/fixtures/ocsf, written by scripts/ocsf-facts.mjs).
let store: Store;
let dir: string;
before(async () => {
  dir = tempDir();
  generate({
    out: join(dir, 'env'),
    seed: 4,
    hours: 6,
    end: new Date('2026-05-20T00:00:00Z'),
    scale: 0.1,
    format: 'vnet',
  });
  store = await memoryStore();
  await ingestPaths(store, [join(dir, 'env')]);
  await buildAnalytics(store);
  await detect(store, loadRules([]));
});

async function events(
  format: 'ecs' | 'ocsf' | 'raw',
  table: 'FlowTuples' | 'Flows' | 'NTANetAnalytics' | 'Alerts',
): Promise<Record<string, unknown>[]> {
  const out = join(dir, `${format}-${table}.ndjson`);
  const s = await exportEvents(store, { format, table, from: null, to: null, out, gzip: false });
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, s.events);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every leaf of an event as a flat dotted path with its value (arrays kept as values). */
function leaves(o: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

const ECS_JS: Record<string, (v: unknown) => boolean> = {
  keyword: (v) => typeof v === 'string',
  constant_keyword: (v) => typeof v === 'string',
  text: (v) => typeof v === 'string',
  match_only_text: (v) => typeof v === 'string',
  wildcard: (v) => typeof v === 'string',
  ip: (v) => typeof v === 'string' && (isIPv4(v) || v.includes(':')),
  long: (v) => Number.isInteger(v),
  integer: (v) => Number.isInteger(v),
  date: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  flattened: (v) => typeof v === 'object',
};

/** Checks ECS fields: known field, right type, array where ECS normalises to arrays, allowed values. */
function checkEcs(e: Record<string, unknown>, custom: string[]): void {
  const flat = EcsFlat as Record<
    string,
    { type: string; normalize: string[]; allowed_values?: { name: string }[] }
  >;
  for (const [path, value] of leaves(e)) {
    if (custom.some((c) => path.startsWith(`${c}.`))) continue;
    // An object enrichment knows nothing about (geo, as) is written as null.
    if (value === null && Object.keys(flat).some((f) => f.startsWith(`${path}.`))) continue;
    const def = flat[path];
    assert.ok(def, `${path} is not an ECS field`);
    if (value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    if (Array.isArray(value)) assert.ok(def.normalize.includes('array'), `${path} is not an array in ECS`);
    for (const v of values) {
      assert.ok(ECS_JS[def.type]?.(v), `${path}: ${JSON.stringify(v)} is not an ECS ${def.type}`);
      if (def.allowed_values)
        assert.ok(
          def.allowed_values.some((a) => a.name === v),
          `${path}: ${String(v)} is not allowed`,
        );
    }
  }
}

interface OcsfAttr {
  type: string | null;
  object: string | null;
  array: boolean;
  requirement: string;
  enum?: number[];
}
const OCSF = JSON.parse(readFileSync(join(FIXTURES, 'ocsf', 'ocsf-1.2.0.json'), 'utf8')) as {
  classes: Record<string, { class_uid: number; category_uid: number; attributes: Record<string, OcsfAttr> }>;
  objects: Record<string, Record<string, OcsfAttr>>;
  types: Record<string, string>;
};
const OCSF_JS: Record<string, (v: unknown) => boolean> = {
  string_t: (v) => typeof v === 'string',
  integer_t: (v) => Number.isInteger(v),
  long_t: (v) => Number.isInteger(v),
  float_t: (v) => typeof v === 'number',
  boolean_t: (v) => typeof v === 'boolean',
  json_t: () => true,
  object: (v) => typeof v === 'object' && !Array.isArray(v),
};

/** Checks an OCSF object against its definition: required attributes, types, enums, nested objects. */
function checkOcsf(
  o: Record<string, unknown>,
  attrs: Record<string, OcsfAttr>,
  where: string,
  skip: string[] = [],
): void {
  for (const [k, a] of Object.entries(attrs))
    if (a.requirement === 'required')
      assert.ok(o[k] !== undefined && o[k] !== null, `${where}.${k} is required`);
  for (const [k, v] of Object.entries(o)) {
    if (v === null || skip.includes(k)) continue;
    const a = attrs[k];
    assert.ok(a, `${where}.${k} is not an attribute of ${where}`);
    const values = a.array
      ? (assert.ok(Array.isArray(v), `${where}.${k} must be an array`), v as unknown[])
      : [v];
    for (const x of values) {
      if (a.object) {
        const def = OCSF.objects[a.object];
        assert.ok(def, `no definition of object ${a.object}`);
        if (a.object !== 'object') checkOcsf(x as Record<string, unknown>, def, `${where}.${k}`);
        continue;
      }
      const base = OCSF.types[a.type ?? ''] ?? a.type ?? '';
      assert.ok(OCSF_JS[base]?.(x), `${where}.${k}: ${JSON.stringify(x)} is not ${a.type}`);
      if (a.enum)
        assert.ok(
          a.enum.includes(x as number),
          `${where}.${k}: ${String(x)} is not one of ${a.enum.join(', ')}`,
        );
    }
  }
}

test('ECS: flow tuples are valid ECS 8.11 network events, with the tuple exactly as written', async () => {
  const ecs = await events('ecs', 'FlowTuples');
  assert.equal(ecs.length, await count(store, 'SELECT count(*) FROM FlowTuples'));
  for (const e of ecs.slice(0, 3000)) checkEcs(e, ['azure']);
  // The checker itself refuses what ECS refuses.
  assert.throws(() => checkEcs({ source: { ip: 42 } }, []), /not an ECS ip/);
  assert.throws(() => checkEcs({ event: { kind: 'flow' } }, []), /not allowed/);
  assert.throws(() => checkEcs({ source: { adress: 'x' } }, []), /not an ECS field/);
  // Direction, state and allow/deny as the tuple says (seed 003).
  const denied = ecs.find((e) => (e.event as { type: string[] }).type[0] === 'denied')!;
  assert.equal((denied.event as { outcome: string }).outcome, 'failure');
  const row = (
    await store.rows(
      `SELECT SrcIp, DestIp, SrcPort, DestPort, FlowDirection, BytesSrcToDest, MacAddress, strftime(TimeGenerated, '%Y-%m-%dT%H:%M:%S.%gZ') AS t
       FROM FlowTuples WHERE FlowState = 'E' ORDER BY TimeGenerated, MacAddress LIMIT 1`,
    )
  )[0];
  const match = ecs.find((e) => {
    const s = e.source as { ip: string; port: number };
    const d = e.destination as { ip: string; port: number };
    return (
      s.ip === row.SrcIp &&
      s.port === row.SrcPort &&
      d.ip === row.DestIp &&
      d.port === row.DestPort &&
      e['@timestamp'] === row.t &&
      (e.observer as { mac: string[] }).mac[0].replace(/-/g, '') === row.MacAddress &&
      (e.event as { type: string[] }).type[0] === 'end'
    );
  });
  // The same connection seen on another NIC is another tuple: the NIC and time pick this one.
  assert.ok(match, 'the E tuple is exported');
  assert.equal((match.network as { direction: string }).direction, String(row.FlowDirection).toLowerCase());
  assert.equal((match.source as { bytes: number }).bytes, row.BytesSrcToDest);
});

test('ECS: alerts are alert events with rule and MITRE ATT&CK', async () => {
  const ecs = await events('ecs', 'Alerts');
  assert.equal(ecs.length, await count(store, 'SELECT count(*) FROM Alerts'));
  assert.ok(ecs.length > 0);
  for (const e of ecs) checkEcs(e, ['vnetflow']);
  assert.ok(ecs.every((e) => (e.event as { kind: string }).kind === 'alert'));
});

test('OCSF: flow tuples are valid Network Activity (4001), alerts valid Detection Findings (2004)', async () => {
  const na = OCSF.classes.network_activity;
  const tuples = await events('ocsf', 'FlowTuples');
  for (const e of tuples.slice(0, 3000)) {
    assert.equal(e.class_uid, na.class_uid);
    assert.equal(e.category_uid, na.category_uid);
    assert.equal(e.type_uid, (e.class_uid as number) * 100 + (e.activity_id as number));
    checkOcsf(e, na.attributes, 'network_activity');
  }
  assert.throws(
    () => checkOcsf({ ...tuples[0], class_uid: undefined }, na.attributes, 'na'),
    /class_uid is required/,
  );
  assert.throws(() => checkOcsf({ ...tuples[0], activity_id: 9 }, na.attributes, 'na'), /not one of/);
  assert.throws(
    () => checkOcsf({ ...tuples[0], traffic: { bytes_in: 'many' } }, na.attributes, 'na'),
    /is not long_t/,
  );
  const states = new Map(tuples.map((e) => [(e.unmapped as { FlowState: string }).FlowState, e.activity_id]));
  assert.deepEqual(Object.fromEntries(states), { B: 1, C: 6, E: 2, D: 5 });
  const df = OCSF.classes.detection_finding;
  const findings = await events('ocsf', 'Alerts');
  assert.ok(findings.length > 0);
  for (const e of findings) {
    assert.equal(e.class_uid, df.class_uid);
    checkOcsf(e, df.attributes, 'detection_finding');
  }
});

test('Flows and NTANetAnalytics: valid ECS and OCSF Network Activity, one event per row, with its figures', async () => {
  const na = OCSF.classes.network_activity;
  for (const table of ['Flows', 'NTANetAnalytics'] as const) {
    const rows = await store.rows(
      table === 'Flows'
        ? `SELECT SrcIp, DestIp, DestPort, BytesSrcToDest AS b, epoch_ms(FlowStartTime) AS t, epoch_ms(FlowEndTime) AS e, State AS s FROM Flows`
        : `SELECT SrcIp, DestIp, DestPort, BytesSrcToDest AS b, epoch_ms(FlowStartTime) AS t, epoch_ms(FlowEndTime) AS e, FlowStatus AS s FROM NTANetAnalytics`,
    );
    assert.ok(rows.length > 100, `${table} has rows`);
    const key = (ip: unknown, dip: unknown, port: unknown, b: unknown, t: unknown, e: unknown): string =>
      JSON.stringify([ip, dip, port, b ?? null, t, e]);
    const want = rows.map((r) => key(r.SrcIp, r.DestIp, r.DestPort, r.b, Number(r.t), Number(r.e))).sort();

    const ecs = await events('ecs', table);
    assert.equal(ecs.length, rows.length);
    for (const e of ecs) checkEcs(e, ['vnetflow', 'azure']);
    type EcsNet = {
      source: { ip: string; bytes?: number };
      destination: { ip: string; port: number };
      event: { start: string; end: string; duration?: number; type: string[] };
    };
    const got = (ecs as unknown as EcsNet[]).map((e) =>
      key(
        e.source.ip,
        e.destination.ip,
        e.destination.port,
        e.source.bytes,
        Date.parse(e.event.start),
        Date.parse(e.event.end),
      ),
    );
    assert.deepEqual(got.sort(), want);
    if (table === 'Flows')
      for (const e of ecs as unknown as EcsNet[])
        assert.equal(e.event.duration, (Date.parse(e.event.end) - Date.parse(e.event.start)) * 1e6);

    const ocsf = await events('ocsf', table);
    assert.equal(ocsf.length, rows.length);
    for (const e of ocsf) {
      assert.equal(e.type_uid, (e.class_uid as number) * 100 + (e.activity_id as number));
      checkOcsf(e, na.attributes, 'network_activity');
    }
    const denied = rows.filter((r) => r.s === 'denied' || r.s === 'Denied').length;
    assert.equal(ocsf.filter((e) => e.disposition_id === 2).length, denied);
  }
});

/** Community ID v1, written from the specification (github.com/corelight/community-id-spec). */
function communityId(src: string, dst: string, proto: number, sport: number, dport: number): string {
  const bytes = (ip: string): Buffer =>
    isIPv4(ip)
      ? Buffer.from(ip.split('.').map(Number))
      : Buffer.from(
          ip
            .replace('::', ':' + '0:'.repeat(8 - ip.split(':').filter(Boolean).length))
            .split(':')
            .filter(Boolean)
            .map((g) => g.padStart(4, '0'))
            .join(''),
          'hex',
        );
  let [a, b, pa, pb] = [bytes(src), bytes(dst), sport, dport];
  const cmp = Buffer.compare(a, b);
  if (cmp > 0 || (cmp === 0 && pa > pb)) [a, b, pa, pb] = [b, a, pb, pa];
  const port = (p: number): Buffer => Buffer.from([p >> 8, p & 255]);
  const data = Buffer.concat([Buffer.from([0, 0]), a, b, Buffer.from([proto, 0]), port(pa), port(pb)]);
  return `1:${createHash('sha1').update(data).digest('base64')}`;
}

test('network.community_id follows the Community ID specification (its example, and every tuple)', async () => {
  assert.equal(
    communityId('128.232.110.120', '66.35.250.204', 6, 34855, 80),
    '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
  );
  const ecs = await events('ecs', 'FlowTuples');
  let v6 = 0;
  for (const e of ecs) {
    const s = e.source as { ip: string; port: number };
    const d = e.destination as { ip: string; port: number };
    const n = e.network as { iana_number: string; community_id: string };
    if (s.ip.includes(':')) v6++;
    assert.equal(
      n.community_id,
      communityId(s.ip, d.ip, Number(n.iana_number), s.port, d.port),
      `${s.ip} -> ${d.ip}`,
    );
  }
  assert.ok(v6 > 0, 'IPv6 tuples are covered');
});

test('raw: records re-ingest into exactly the same tuples; --gzip and a bad --table are handled by the CLI', async () => {
  const raw = await events('raw', 'FlowTuples');
  const out = join(dir, 'again', 'PT1H.json');
  put(out, raw.map((r) => JSON.stringify(r)).join('\n'));
  const again = await memoryStore();
  const s = await ingestPaths(again, [out]);
  assert.equal(s.tuplesRejected, 0);
  const cols =
    'TimeGenerated, SrcIp, DestIp, SrcPort, DestPort, Protocol, FlowDirection, FlowState, FlowStatus, FlowEncryption, MacAddress, AclRule, BytesSrcToDest, BytesDestToSrc, PacketsSrcToDest, PacketsDestToSrc';
  const digest = async (st: Store): Promise<string> =>
    String(
      (
        await st.rows(
          `SELECT md5(string_agg(x, '|' ORDER BY x)) AS d FROM (SELECT concat_ws(',', ${cols}) AS x FROM FlowTuples)`,
        )
      )[0].d,
    );
  assert.equal(await digest(again), await digest(store));
  again.close();

  const db = join(dir, 'cli.duckdb');
  execFileSync(process.execPath, [CLI, 'ingest', '--no-detect', '--db', db, join(dir, 'env', 'blobs')], {
    stdio: 'pipe',
  });
  const gz = join(dir, 'flows.ndjson.gz');
  const r = spawnSync(
    process.execPath,
    [CLI, 'export', '--db', db, '--format', 'ocsf', '--gzip', '--out', gz],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /exported [\d,]+ events from FlowTuples as ocsf/);
  const lines = gunzipSync(readFileSync(gz)).toString('utf8').split('\n').filter(Boolean);
  assert.equal((JSON.parse(lines[0]) as { class_uid: number }).class_uid, 4001);
  const bad = spawnSync(
    process.execPath,
    [CLI, 'export', '--db', db, '--format', 'raw', '--table', 'Alerts'],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /raw is for flow tuples only/);
  const noFormat = spawnSync(process.execPath, [CLI, 'export', '--db', db], { encoding: 'utf8' });
  assert.equal(noFormat.status, 2);
  assert.match(noFormat.stderr, /--format must be one of ecs, ocsf, raw/);
});
