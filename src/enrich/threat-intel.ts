import type { Store } from '../store/store.js';
import { ipv4Range } from './ip.js';
import { fields, parseJson, ReferenceFileError, text } from './parse-json.js';
import { replaceRows } from './replace-rows.js';
import { utcText } from './dns-logs.js';

/** The threat types NTAIpDetails uses, and the labels and words that map to them. */
const THREAT_TYPES: readonly [string, RegExp][] = [
  ['C2', /\b(c2|c&c|command[- ]and[- ]control)\b/i],
  ['Botnet', /\bbot(net)?\b|brute/i],
  ['CryptoMining', /crypto|min(er|ing)/i],
  ['DarkNet', /dark ?net|tor\b/i],
  ['DDos', /ddos/i],
  ['Phishing', /phish/i],
  ['MaliciousUrl', /malicious[- ]?url/i],
  ['Malware', /malware|trojan|ransom/i],
  ['Proxy', /proxy|scann/i],
  ['PUA', /\bpua\b|unwanted/i],
];

/** The NTAIpDetails threat type for the words a feed uses; WatchList when none is known. */
export function threatType(words: string): string {
  for (const [type, re] of THREAT_TYPES) if (re.test(words)) return type;
  return 'WatchList';
}

interface Indicator {
  Indicator: string;
  IndicatorType: string;
  ThreatType: string;
  Description: string | null;
  Confidence: number | null;
  ValidFrom: string | null;
  ValidUntil: string | null;
  RangeStart: number | null;
  RangeEnd: number | null;
}

function indicator(value: string, words: string, extra: Partial<Indicator> = {}): Indicator | null {
  const v = value.trim();
  const range = ipv4Range(v);
  let type: string;
  if (range) type = v.includes('/') ? 'cidr' : 'ipv4';
  else if (v.includes(':') && /^[0-9a-f:.]+(\/\d+)?$/i.test(v)) type = 'ipv6';
  else if (/^[a-z0-9-]+(\.[a-z0-9-]+)+\.?$/i.test(v)) type = 'domain';
  else return null;
  return {
    Indicator: type === 'domain' ? v.toLowerCase().replace(/\.$/, '') : v,
    IndicatorType: type,
    ThreatType: threatType(words),
    Description: words.trim() || null,
    Confidence: null,
    ValidFrom: null,
    ValidUntil: null,
    RangeStart: range?.start ?? null,
    RangeEnd: range?.end ?? null,
    ...extra,
  };
}

/** True for a STIX 2.1 bundle. */
export function looksLikeStix(doc: unknown): boolean {
  return fields(doc).type === 'bundle';
}

/** The values a STIX pattern compares ipv4-addr, ipv6-addr or domain-name to. */
function patternValues(pattern: string): string[] {
  const out: string[] = [];
  const re = /\[?\s*(ipv4-addr|ipv6-addr|domain-name):value\s*=\s*'([^']*)'/g;
  for (let m = re.exec(pattern); m; m = re.exec(pattern)) out.push(m[2]);
  return out;
}

/** Loads the indicators of a STIX 2.1 bundle (ipv4, ipv6 and domain patterns). */
export async function loadStix(store: Store, uri: string, body: string): Promise<number> {
  const doc = fields(parseJson(body, uri));
  if (!Array.isArray(doc.objects)) throw new ReferenceFileError(uri, null, 'STIX bundle without "objects"');
  const rows: Indicator[] = [];
  for (const o of doc.objects) {
    const obj = fields(o);
    if (obj.type !== 'indicator') continue;
    const labels = Array.isArray(obj.labels) ? obj.labels.join(' ') : '';
    const types = Array.isArray(obj.indicator_types) ? obj.indicator_types.join(' ') : '';
    const words = [labels, text(obj.name) ?? '', text(obj.description) ?? '', types].join(' ');
    for (const value of patternValues(text(obj.pattern) ?? '')) {
      const row = indicator(value, words, {
        Description: text(obj.description) ?? text(obj.name),
        Confidence: typeof obj.confidence === 'number' ? obj.confidence : null,
        ValidFrom: timeText(text(obj.valid_from)),
        ValidUntil: timeText(text(obj.valid_until)),
      });
      if (row) rows.push(row);
    }
  }
  return replaceRows(store, 'ThreatIntelFeed', uri, rows as unknown as Record<string, unknown>[], {
    sourceColumn: 'Source',
  });
}

/**
 * Loads a plain list (one IP, CIDR or domain per line, `#` comments, the text after `#` kept as
 * the description) or a CSV with a header naming an indicator column (ip, indicator, value, ...)
 * and optionally type/threat, description and confidence columns.
 */
export async function loadIndicatorList(store: Store, uri: string, body: string): Promise<number> {
  const lines = body.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines.find((l) => l.trim() && !l.trim().startsWith('#')) ?? '';
  const csv = /,/.test(header) && !ipv4Range(header.split(',')[0]);
  const rows: Indicator[] = [];
  let offset = 0;
  const bad = (line: string, at: number): never => {
    throw new ReferenceFileError(uri, at, `not an IP, CIDR or domain: ${JSON.stringify(line.slice(0, 80))}`);
  };
  if (csv) {
    const cols = splitCsv(header).map((c) => c.trim().toLowerCase());
    const pick = (...names: string[]): number => cols.findIndex((c) => names.includes(c));
    const iv = pick('ip', 'indicator', 'value', 'ioc', 'address', 'network', 'cidr', 'domain');
    if (iv < 0) throw new ReferenceFileError(uri, 0, `CSV header names no indicator column: ${header}`);
    const it = pick('threat', 'threattype', 'threat_type', 'type', 'category', 'label', 'labels');
    const id = pick('description', 'comment', 'name');
    const ic = pick('confidence', 'score');
    let seenHeader = false;
    for (const line of lines) {
      const at = offset;
      offset += Buffer.byteLength(line, 'utf8') + 1;
      if (!line.trim() || line.trim().startsWith('#')) continue;
      if (!seenHeader) {
        seenHeader = true;
        continue;
      }
      const f = splitCsv(line);
      const words = [it >= 0 ? f[it] : '', id >= 0 ? f[id] : ''].join(' ');
      const confidence = ic >= 0 && f[ic] !== undefined && /^\d+$/.test(f[ic].trim()) ? Number(f[ic]) : null;
      const row = indicator(f[iv] ?? '', words, {
        Description: (id >= 0 ? f[id] : null) || null,
        Confidence: confidence,
      });
      rows.push(row ?? bad(line, at));
    }
  } else {
    for (const line of lines) {
      const at = offset;
      offset += Buffer.byteLength(line, 'utf8') + 1;
      const [value, ...comment] = line.split('#');
      if (!value.trim()) continue;
      rows.push(indicator(value, comment.join('#')) ?? bad(line, at));
    }
  }
  return replaceRows(store, 'ThreatIntelFeed', uri, rows as unknown as Record<string, unknown>[], {
    sourceColumn: 'Source',
  });
}

/** Splits one CSV line, honouring double quotes. */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** True when text looks like an indicator list or CSV: its first data line holds an IP, CIDR or domain. */
export function looksLikeIndicatorList(head: string): boolean {
  const lines = head.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#'));
  if (lines.length === 0) return false;
  const first = lines[0].split('#')[0].trim();
  if (ipv4Range(first)) return true;
  if (/,/.test(first)) {
    const cols = splitCsv(first).map((c) => c.trim().toLowerCase());
    return cols.some((c) =>
      ['ip', 'indicator', 'value', 'ioc', 'address', 'network', 'cidr', 'domain'].includes(c),
    );
  }
  return false;
}

function timeText(t: string | null): string | null {
  if (!t) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : utcText(d);
}
