import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from './emit.js';
import { flowLogId, vnetId, vnetOf, type Nic } from './estate.js';
import { azureTime, guidOf } from './ids.js';

/** Which blob format the generator writes. */
export type BlobFormat = 'vnet' | 'nsg';

/** Counts per scenario, filled as tuples are written. */
export type Tally = Map<string, { tuples: number; bytes: number }>;

const pad = (n: number): string => String(n).padStart(2, '0');

function hourPath(hour: number, mac: string): string {
  const d = new Date(hour);
  return `y=${d.getUTCFullYear()}/m=${pad(d.getUTCMonth() + 1)}/d=${pad(d.getUTCDate())}/h=${pad(d.getUTCHours())}/m=00/macAddress=${mac}/PT1H.json`;
}

/**
 * Writes one hour of one NIC as a PT1H.json in the real layout and shape: a record a minute,
 * tuples grouped by aclID (v4) or NSG rule (NSG v2), no whitespace, as Azure writes them.
 */
export function writeNicHour(
  root: string,
  format: BlobFormat,
  nic: Nic,
  hour: number,
  entries: Entry[],
  tally: Tally,
): number {
  const usable =
    format === 'nsg'
      ? entries.filter(
          (e) => e.obs.nic.nsg && (e.conn.proto === 6 || e.conn.proto === 17) && e.obs.rule !== 'unspecified',
        )
      : entries;
  if (usable.length === 0) return 0;
  usable.sort((a, b) => a.recordTime - b.recordTime || a.t - b.t);
  const byRecord = new Map<number, Entry[]>();
  for (const e of usable) {
    const minute = Math.floor(e.recordTime / 60_000);
    const list = byRecord.get(minute);
    if (list) list.push(e);
    else byRecord.set(minute, [e]);
  }
  const records: string[] = [];
  for (const list of byRecord.values())
    records.push(format === 'vnet' ? vnetRecord(nic, list) : nsgRecord(nic, list));
  for (const e of usable) {
    if (!e.conn.scenario) continue;
    const t = tally.get(e.conn.scenario) ?? { tuples: 0, bytes: 0 };
    t.tuples++;
    t.bytes += e.bOut + e.bIn;
    tally.set(e.conn.scenario, t);
  }
  const path = join(root, blobPrefix(format, nic), hourPath(hour, nic.mac));
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `{"records":[${records.join(',')}]}`);
  return usable.length;
}

function blobPrefix(format: BlobFormat, nic: Nic): string {
  const v = vnetOf(nic);
  if (format === 'vnet') return `insights-logs-flowlogflowevent/flowLogResourceID=${flowLogId(v)}`;
  return `insights-logs-networksecuritygroupflowevent/resourceId=${nsgId(v.sub, v.rg, nic.nsg ?? 'none').toUpperCase()}`;
}

function nsgId(sub: string, rg: string, nsg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/${nsg}`;
}

function groupBy<K>(list: Entry[], key: (e: Entry) => K): Map<K, Entry[]> {
  const m = new Map<K, Entry[]>();
  for (const e of list) {
    const k = key(e);
    const l = m.get(k);
    if (l) l.push(e);
    else m.set(k, [e]);
  }
  return m;
}

function v4Tuple(e: Entry): string {
  const c = e.conn;
  const counters = e.emptyCounters ? ',,,' : `${e.pOut},${e.bOut},${e.pIn},${e.bIn}`;
  return `"${e.t},${c.src},${c.dst},${c.sport},${c.dport},${c.proto},${e.obs.dir},${e.state},${e.obs.enc},${counters}"`;
}

function vnetRecord(nic: Nic, list: Entry[]): string {
  const v = vnetOf(nic);
  const flows = [...groupBy(list, (e) => e.obs.acl)].map(([acl, es]) => {
    const groups = [...groupBy(es, (e) => e.obs.rule)].map(
      ([rule, g]) => `{"rule":"${rule}","flowTuples":[${g.map(v4Tuple).join(',')}]}`,
    );
    const aclId = acl === 'unspecified' ? 'unspecified' : guidOf(`acl:${acl}`);
    return `{"aclID":"${aclId}","flowGroups":[${groups.join(',')}]}`;
  });
  const time = azureTime(list[list.length - 1].recordTime, list.length * 37);
  return (
    `{"time":"${time}","flowLogVersion":4,"flowLogGUID":"${guidOf(`flowlog:${v.name}`)}","macAddress":"${nic.mac}",` +
    `"category":"FlowLogFlowEvent","flowLogResourceID":"${flowLogId(v)}","targetResourceID":"${vnetId(v)}",` +
    `"operationName":"FlowLogFlowEvent","flowRecords":{"flows":[${flows.join(',')}]}}`
  );
}

function nsgTuple(e: Entry): string {
  const c = e.conn;
  const decision = e.state === 'D' ? 'D' : 'A';
  const state = e.state === 'D' ? 'B' : e.state;
  const counters = e.state === 'B' || e.state === 'D' ? ',,,' : `${e.pOut},${e.bOut},${e.pIn},${e.bIn}`;
  return `"${Math.floor(e.t / 1000)},${c.src},${c.dst},${c.sport},${c.dport},${c.proto === 6 ? 'T' : 'U'},${e.obs.dir},${decision},${state},${counters}"`;
}

function nsgRecord(nic: Nic, list: Entry[]): string {
  const v = vnetOf(nic);
  const rules = [...groupBy(list, (e) => e.obs.rule)].map(([rule, es]) => {
    const name = rule.startsWith('DefaultRule_') ? rule : `UserRule_${rule}`;
    return `{"rule":"${name}","flows":[{"mac":"${nic.mac}","flowTuples":[${es.map(nsgTuple).join(',')}]}]}`;
  });
  return (
    `{"time":"${azureTime(list[list.length - 1].recordTime)}","systemId":"${guidOf(`system:${v.name}`)}","macAddress":"${nic.mac}",` +
    `"category":"NetworkSecurityGroupFlowEvent","resourceId":"${nsgId(v.sub, v.rg, nic.nsg ?? 'none').toUpperCase()}",` +
    `"operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[${rules.join(',')}]}}`
  );
}
