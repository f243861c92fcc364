import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { ROOT, tempDir } from '../helpers.js';

/** Azurite's well-known development account (documented, not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running Azurite blob service on loopback. */
export interface Azurite {
  readonly port: number;
  readonly endpoint: string;
  readonly connectionString: string;
  service(): BlobServiceClient;
  container(name: string): Promise<ContainerClient>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function connectionString(endpoint: string, key = DEV_KEY): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${key};BlobEndpoint=${endpoint};`;
}

/**
 * Starts Azurite's blob service from the npm package: loopback only, in memory, telemetry off,
 * nothing written outside a temporary folder.
 */
export async function startAzurite(): Promise<Azurite> {
  const port = await freePort();
  const main = join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  const workspace = tempDir('vnetflow-azurite-');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--extentMemoryLimit',
      '512',
    ],
    // Run in a temporary folder: nothing Azurite might write lands in the project.
    { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/successfully listen/i.test(output)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`azurite exited (${code}): ${output}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  const cs = connectionString(endpoint);
  const service = (): BlobServiceClient => BlobServiceClient.fromConnectionString(cs);
  return {
    port,
    endpoint,
    connectionString: cs,
    service,
    async container(name) {
      const c = service().getContainerClient(name);
      await c.createIfNotExists();
      return c;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
