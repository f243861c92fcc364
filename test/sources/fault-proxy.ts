import { createServer, request } from 'node:http';

/** A loopback HTTP proxy in front of Azurite that fails some requests the way a busy service does. */
export interface FaultProxy {
  readonly port: number;
  /** Requests failed so far (503 ServerBusy answers and dropped connections). */
  faults(): number;
  stop(): Promise<void>;
}

/**
 * Every `every`-th request fails: alternately a 503 ServerBusy (Azure's throttling answer, with
 * its error body) and a connection closed without an answer. The rest pass through unchanged.
 */
export function startFaultProxy(targetPort: number, options: { every: number }): Promise<FaultProxy> {
  let seen = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    seen++;
    if (seen % options.every === 0) {
      failed++;
      if (failed % 2 === 1) {
        res.writeHead(503, { 'content-type': 'application/xml', 'x-ms-error-code': 'ServerBusy' });
        res.end(
          '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>Ingress is over the account limit.</Message></Error>',
        );
      } else {
        req.socket.destroy();
      }
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        faults: () => failed,
        stop: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}
