import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export type HttpServer = { readonly url: string; readonly port: number; readonly stop: () => Promise<void> };

/** Listens on `host:port` (port 0 = any free port) and resolves once it accepts connections. */
export const startHttpServer = (app: Express, options: { port: number; host?: string }): Promise<HttpServer> =>
  new Promise((resolve, reject) => {
    const host = options.host ?? '127.0.0.1';
    const server = app.listen(options.port, host, (error?: Error) => {
      if (error) {
        reject(error);
        return;
      }
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${port}`,
        port,
        stop: () =>
          new Promise<void>((done, fail) => {
            server.close((closeError) => (closeError ? fail(closeError) : done()));
            server.closeIdleConnections();
          }),
      });
    });
    server.once('error', reject);
  });
