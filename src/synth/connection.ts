import type { Nic } from './estate.js';

/** Where a connection is seen: a NIC, the direction relative to it, and the rule that matched. */
export interface Observer {
  readonly nic: Nic;
  readonly dir: 'I' | 'O';
  readonly rule: string;
  /** The NSG (or 'unspecified' for encryption-policy drops) whose aclID the tuple carries. */
  readonly acl: string;
  readonly enc: string;
}

/** One connection (or one denied attempt) of the synthetic world. */
export interface Conn {
  readonly start: number;
  readonly end: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly proto: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  readonly denied: boolean;
  readonly observers: readonly Observer[];
  /** The ground-truth scenario it belongs to, if any. */
  readonly scenario?: string;
  /** The name the source resolved before connecting (written to the DNS query logs). */
  readonly dnsName?: string;
}

/** Period of C (continuing) tuples for long flows, as Azure writes them. */
export const CONTINUE_MS = 5 * 60 * 1000;
