import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the OS picks local ports of outgoing connections (Linux), so that a port handed out is not taken by one. */
const ephemeralStart = (): number => {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) || 32_768;
  } catch {
    return 32_768;
  }
};

const handedOut = new Set<number>();

const tryListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A free TCP port on 127.0.0.1 for a server a test starts later. It is picked below the ephemeral range: a port
 * the OS handed out for `listen(0)` can meanwhile become the local port of some outgoing connection (a Kafka or
 * Mongo client of another service), and the server then fails with EADDRINUSE.
 */
export const freePort = async (): Promise<number> => {
  const high = Math.min(ephemeralStart(), 65_536) - 1;
  const low = Math.min(20_000, high - 1_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    if (await tryListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${low} and ${high}`);
};
