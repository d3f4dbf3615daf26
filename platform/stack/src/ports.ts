import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { StackError } from './stackError.ts';

const run = promisify(execFile);

const canBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });

/** Which process listens on a TCP port, as `name (pid N)`, when `ss` can tell. */
const holderOf = async (port: number): Promise<string | undefined> => {
  try {
    const { stdout } = await run('ss', ['-H', '-l', '-t', '-n', '-p', `sport = :${port}`]);
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
    return match ? `${match[1]} (pid ${match[2]})` : undefined;
  } catch {
    return undefined;
  }
};

/** Fails with one line naming the port, its user and the setting to change when the port is taken. */
export const assertPortFree = async (port: number, component: string, setting: string): Promise<void> => {
  if (await canBind(port)) return;
  const holder = await holderOf(port);
  throw new StackError(
    `port ${port} for ${component} is already in use${holder ? ` by ${holder}` : ''}; stop that process or set ${setting}`,
  );
};
