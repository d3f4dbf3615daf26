import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export type HttpServer = {
  readonly url: string;
  readonly port: number;
  /**
   * Stops gracefully: no new connections; idle kept-alive connections are closed; a request that arrives on an open
   * connection is answered 503 with `Connection: close`; requests in flight finish and close their connection.
   * Connections still open after the deadline are cut. Resolves once every connection is closed.
   */
  readonly stop: () => Promise<void>;
};

export type HttpServerOptions = {
  /** 0 = any free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** How long `stop()` lets requests in flight finish before cutting their connections (default 5 s). */
  readonly stopDeadlineMs?: number;
};

const shuttingDown = JSON.stringify({
  type: 'https://waggle.dev/problems/unavailable',
  title: 'The service is shutting down; try again',
  status: 503,
});

/** Listens on `host:port` and resolves once it accepts connections. */
export const startHttpServer = (app: Express, options: HttpServerOptions): Promise<HttpServer> =>
  new Promise((resolve, reject) => {
    const host = options.host ?? '127.0.0.1';
    let stopping = false;
    const inFlight = new Set<ServerResponse>();
    // close() alone never ends a connection a keep-alive client keeps busy: each of its requests is served like
    // any other, so a stop under steady traffic would wait until it is killed
    const server = createServer((req, res) => {
      if (stopping) {
        res.writeHead(503, { 'Content-Type': 'application/problem+json', Connection: 'close', 'Retry-After': '1' });
        res.end(shuttingDown);
        return;
      }
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      app(req, res);
    });
    server.once('error', reject);
    server.listen(options.port, host, () => {
      const port = (server.address() as AddressInfo).port;
      let stopped: Promise<void> | undefined;
      resolve({
        url: `http://${host}:${port}`,
        port,
        stop: () =>
          (stopped ??= new Promise<void>((done, fail) => {
            stopping = true;
            // Node ends the connection after a response that says so
            for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
            const deadline = setTimeout(() => server.closeAllConnections(), options.stopDeadlineMs ?? 5_000);
            server.close((error) => {
              clearTimeout(deadline);
              if (error) fail(error);
              else done();
            });
            server.closeIdleConnections();
          })),
      });
    });
  });
