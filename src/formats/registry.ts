import { flattened } from './flattened.js';
import type { FlowFormat } from './format.js';
import type { Framing } from './framing.js';
import { nsg } from './nsg.js';
import { vnetV4 } from './vnet-v4.js';

/** Every known format, keyed by name; detection tries them in this order. */
export const formats: Readonly<Record<string, FlowFormat>> = {
  flattened,
  'vnet-v4': vnetV4,
  nsg,
};

/** What a file holds, as told by its first bytes. */
export type Detection =
  | { readonly ok: true; readonly framing: Framing; readonly format: FlowFormat }
  | { readonly ok: false; readonly reason: string };

/**
 * Detects framing and format from the start of a file's (decompressed) content, never its name.
 * `head` should hold at least the first record; 64 KiB is plenty for every known format.
 */
export function detect(head: string): Detection {
  const text = head.replace(/^\uFEFF/, '');
  const first = /\S/.exec(text);
  if (!first) return { ok: false, reason: 'empty file' };
  let framing: Framing;
  if (/^\s*\{\s*"records"\s*:/.test(text)) framing = 'records';
  else if (first[0] === '[') framing = 'array';
  else if (first[0] === '{') framing = 'stream';
  else
    return {
      ok: false,
      reason: `not JSON: starts with ${JSON.stringify(text.slice(first.index, first.index + 20))}`,
    };
  for (const format of Object.values(formats)) {
    if (format.matches(text)) return { ok: true, framing, format };
  }
  return {
    ok: false,
    reason: 'JSON, but not a known flow-log format (no flowRecords, properties.flows or flow.0)',
  };
}
