import { redact } from './redact.js';

/** Where a blob source reads: an account's container, a prefix in it, and how to reach it. */
export interface BlobLocation {
  readonly account: string;
  readonly container: string;
  /** Blob-name prefix ('' for the whole container), without a leading slash. */
  readonly prefix: string;
  /** The blob service endpoint, e.g. https://acct.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1. */
  readonly endpoint: string;
  /** A SAS query string (without `?`) when the URL carried one. Never printed or stored. */
  readonly sas: string | null;
  /** The connection string to use (from AZURE_STORAGE_CONNECTION_STRING). Never printed or stored. */
  readonly connectionString: string | null;
  /** The identity of the source with no secret in it: az://ACCOUNT/CONTAINER[/PREFIX]. */
  readonly display: string;
}

/** A source string that names a blob location but cannot be used, with why. */
export class BlobLocationError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = 'BlobLocationError';
  }
}

/** True for the strings a blob source takes: az://... and http(s):// URLs. */
export function isBlobSpec(spec: string): boolean {
  return /^(az|https?):\/\//i.test(spec);
}

const ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^(?:\$root|\$logs|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;

/**
 * Reads `az://ACCOUNT/CONTAINER[/PREFIX]`, `https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX][?SAS]`
 * and the path-style form emulators use (`http://127.0.0.1:10000/ACCOUNT/CONTAINER/...`). With
 * AZURE_STORAGE_CONNECTION_STRING set, an az:// location of that connection string's account is
 * reached through its blob endpoint (how Azurite and other emulators are used).
 */
export function parseBlobLocation(spec: string, env: NodeJS.ProcessEnv = process.env): BlobLocation {
  const az = /^az:\/\/([^/?#]+)\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(spec);
  if (az) return fromAz(az[1], az[2], az[3] ?? '', env);
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new BlobLocationError(`not a storage URL: ${spec}`);
  }
  const sas = url.search.length > 1 ? url.search.slice(1) : null;
  if (sas !== null && !/(^|&)sig=/.test(sas))
    throw new BlobLocationError(
      `${spec}: the query string is not a SAS (no sig=); give the container URL with a SAS, or none`,
    );
  const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
  const host = url.hostname.toLowerCase();
  const product = /^([a-z0-9]+)\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/.exec(host);
  let account: string;
  let endpoint: string;
  if (product) {
    account = product[1];
    endpoint = `${url.protocol}//${url.host}`;
  } else {
    // Path style: the account is the first path segment (Azurite, IP endpoints, custom domains).
    account = segments.shift() ?? '';
    endpoint = `${url.protocol}//${url.host}/${account}`;
  }
  const container = segments.shift() ?? '';
  checkNames(spec, account, container);
  return {
    account,
    container,
    prefix: segments.join('/'),
    endpoint,
    sas,
    connectionString: null,
    display: display(account, container, segments.join('/')),
  };
}

function fromAz(account: string, container: string, prefix: string, env: NodeJS.ProcessEnv): BlobLocation {
  const spec = `az://${account}/${container}/${prefix}`;
  checkNames(spec, account, container);
  const cs = env.AZURE_STORAGE_CONNECTION_STRING || null;
  let endpoint = `https://${account}.blob.core.windows.net`;
  if (cs) {
    const parts = connectionStringParts(cs);
    const csAccount =
      parts.get('accountname') ?? (cs.includes('UseDevelopmentStorage=true') ? 'devstoreaccount1' : null);
    if (csAccount && csAccount !== account)
      throw new BlobLocationError(
        `${display(account, container, prefix)}: AZURE_STORAGE_CONNECTION_STRING is for account ${csAccount}, not ${account}`,
      );
    endpoint =
      parts.get('blobendpoint')?.replace(/\/+$/, '') ??
      `${parts.get('defaultendpointsprotocol') ?? 'https'}://${account}.blob.${parts.get('endpointsuffix') ?? 'core.windows.net'}`;
  }
  return {
    account,
    container,
    prefix,
    endpoint,
    sas: null,
    connectionString: cs,
    display: display(account, container, prefix),
  };
}

function checkNames(spec: string, account: string, container: string): void {
  if (!ACCOUNT.test(account))
    throw new BlobLocationError(
      `${spec}: ${JSON.stringify(account)} is not a storage account name (3-24 lower-case letters and digits)`,
    );
  if (!CONTAINER.test(container))
    throw new BlobLocationError(
      `${spec}: ${JSON.stringify(container)} is not a container name (3-63 lower-case letters, digits and single hyphens)`,
    );
}

function connectionStringParts(cs: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of cs.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

function display(account: string, container: string, prefix: string): string {
  return `az://${account}/${container}${prefix ? `/${prefix}` : ''}`;
}
