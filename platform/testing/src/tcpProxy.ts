import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 in front of a real server, to take that server away from a client and give it back. */
export type TcpProxy = {
  /** The port clients connect to; known after `start()`, kept across `cut()` and `restore()`. */
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Drops every open connection and refuses new ones, as if the server had died. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
};

/** Creates a TCP proxy forwarding to `target`; it listens only after `start()`, on `port` (default: any free port). */
export const createTcpProxy = ({ target, port = 0 }: { target: { host: string; port: number }; port?: number }): TcpProxy => {
  let listeningPort = port;
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  const pipe = (client: Socket): void => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // errors end both sides; the client sees a dropped connection, as with a dead server
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (server !== undefined) return resolve();
      const starting = createServer(pipe);
      starting.once('error', reject);
      starting.listen(listeningPort, '127.0.0.1', () => {
        listeningPort = (starting.address() as AddressInfo).port;
        server = starting;
        resolve();
      });
    });

  // closing the listener (not just the connections) makes new connects fail with ECONNREFUSED
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (closing === undefined) return resolve();
      closing.close(() => resolve());
    });

  return {
    get port() {
      if (listeningPort === 0) throw new Error('the proxy has no port before start()');
      return listeningPort;
    },
    start: listen,
    stop: close,
    cut: close,
    restore: listen,
  };
};
