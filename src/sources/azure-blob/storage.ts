import { DefaultAzureCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobServiceClient,
  ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import type { BlobLocation } from './location.js';
import { redact } from './redact.js';
import { DEFAULT_RETRY, isThrottled, withRetry, type RetryPolicy } from './retry.js';

/** One blob as a listing shows it. */
export interface ListedBlob {
  readonly name: string;
  readonly size: number;
  readonly lastModified: number;
  readonly etag: string;
}

/** One committed block: its id and length, in blob order. */
export interface Block {
  readonly name: string;
  readonly size: number;
}

/**
 * Storage operations by kind, since the last reset. Azure bills per operation (list and read
 * operations at different prices), so these are what a deployment's cost follows from.
 */
export interface OperationCounts {
  list: number;
  blockList: number;
  read: number;
  bytesRead: number;
  retries: number;
  throttled: number;
}

export function emptyCounts(): OperationCounts {
  return { list: 0, blockList: 0, read: 0, bytesRead: 0, retries: 0, throttled: 0 };
}

/** A storage failure, with a message that says what to do and carries no secret. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(redact(message));
    this.name = 'StorageError';
  }
}

/**
 * The container calls a blob source makes, each counted, retried with backoff and jitter, and
 * failing with a StorageError. The SDK's own retries are off so that every attempt is counted here
 * and the backoff has jitter.
 */
export class ContainerStorage {
  readonly counts: OperationCounts = emptyCounts();
  private readonly client: ContainerClient;

  constructor(
    readonly location: BlobLocation,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.client = containerClient(location);
  }

  /** Every blob under `prefix`, page by page (5,000 names per list operation). */
  async *list(prefix: string): AsyncIterable<ListedBlob> {
    let token: string | undefined;
    do {
      const page = await this.call('list', () =>
        this.client
          .listBlobsFlat({ prefix })
          .byPage({ maxPageSize: 5000, ...(token ? { continuationToken: token } : {}) })
          .next(),
      );
      if (page.done) return;
      for (const b of page.value.segment.blobItems)
        yield {
          name: b.name,
          size: b.properties.contentLength ?? 0,
          lastModified: b.properties.lastModified.getTime(),
          etag: b.properties.etag,
        };
      token = page.value.continuationToken || undefined;
    } while (token);
  }

  /** The "folders" directly under `prefix` (names up to the next `/`), for discovering the layout. */
  async folders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', () =>
        this.client
          .listBlobsByHierarchy('/', { prefix })
          .byPage({ maxPageSize: 5000, ...(token ? { continuationToken: token } : {}) })
          .next(),
      );
      if (page.done) break;
      for (const p of page.value.segment.blobPrefixes ?? []) out.push(p.name);
      token = page.value.continuationToken || undefined;
    } while (token);
    return out;
  }

  /** The committed blocks of a block blob; empty for a blob written in one Put Blob. */
  async blocks(name: string): Promise<Block[]> {
    const res = await this.call('blockList', () =>
      this.client.getBlockBlobClient(name).getBlockList('committed'),
    );
    return (res.committedBlocks ?? []).map((b) => ({ name: b.name, size: b.size }));
  }

  /** Bytes [start, end) of a blob, in one ranged GET. */
  async read(name: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const buf = await this.call('read', async () => {
      const res = await this.client.getBlobClient(name).download(start, end - start);
      return collect(res.readableStreamBody);
    });
    this.counts.bytesRead += buf.length;
    return buf;
  }

  private async call<T>(kind: 'list' | 'blockList' | 'read', fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(
        () => {
          this.counts[kind]++;
          return fn();
        },
        this.retry,
        (err) => {
          this.counts.retries++;
          if (isThrottled(err)) this.counts.throttled++;
        },
      );
    } catch (err) {
      throw storageError(err, this.location);
    }
  }
}

function containerClient(loc: BlobLocation): ContainerClient {
  const options: StoragePipelineOptions = {
    retryOptions: { maxTries: 1 },
    userAgentOptions: { userAgentPrefix: 'vnetflow' },
  };
  if (loc.sas)
    return new ContainerClient(
      `${loc.endpoint}/${loc.container}?${loc.sas}`,
      new AnonymousCredential(),
      options,
    );
  if (loc.connectionString)
    return BlobServiceClient.fromConnectionString(loc.connectionString, options).getContainerClient(
      loc.container,
    );
  return new ContainerClient(`${loc.endpoint}/${loc.container}`, new DefaultAzureCredential(), options);
}

async function collect(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** What went wrong, in words a user can act on. */
function storageError(err: unknown, loc: BlobLocation): StorageError {
  const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : null;
  const code = e?.code ?? null;
  const first = String(e?.message ?? err).split('\n')[0];
  const where = loc.display;
  if (
    e?.name === 'CredentialUnavailableError' ||
    e?.name === 'AuthenticationError' ||
    /credential/i.test(e?.name ?? '')
  )
    return new StorageError(
      `${where}: no Azure credential could be found (${first}); sign in with az login, use a managed or workload identity, set AZURE_STORAGE_CONNECTION_STRING, or give a SAS URL`,
      status,
      code,
    );
  if (status === 403 && /AuthenticationFailed|Signature|expired/i.test(`${code} ${first}`))
    return new StorageError(
      `${where}: authentication failed (${code ?? 403}): the key or SAS is wrong or has expired`,
      status,
      code,
    );
  if (status === 403)
    return new StorageError(
      `${where}: access denied (${code ?? 403}): grant the identity the Storage Blob Data Reader role on the account or container (docs/sources.md)`,
      status,
      code,
    );
  if (status === 404 && code === 'ContainerNotFound')
    return new StorageError(`${where}: the container does not exist`, status, code);
  if (status === 404) return new StorageError(`${where}: not found (${code ?? 404}): ${first}`, status, code);
  if (status !== null)
    return new StorageError(`${where}: storage answered ${status} ${code ?? ''}: ${first}`, status, code);
  return new StorageError(`${where}: ${code ? `${code}: ` : ''}${first}`, null, code);
}
