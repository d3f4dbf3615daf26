import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { buildService } from './buildService.ts';
import { formatLogLine, prefixFor } from './formatLogLine.ts';
import { repoRoot, type ServiceSpec } from './services.ts';

export type LaunchedService = ServiceSpec & { readonly url: string; readonly child: ChildProcess };

export type Launched = {
  readonly services: readonly LaunchedService[];
  /** SIGTERM to every service, SIGKILL (said in the output: a crash, not a stop) after `graceMs`; resolves when all have exited. */
  readonly stop: (graceMs?: number) => Promise<void>;
  /** Resolves with the first service that exits on its own. */
  readonly firstExit: Promise<{ name: string; code: number | null }>;
};

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

/** Lines of its output kept per service, to say why it failed to start. */
const tailLines = 15;

const waitReady = async (service: LaunchedService, timeoutMs: number, tail: () => readonly string[]): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.child.exitCode !== null) {
      // its output may still be in the pipes: wait (briefly) until they are drained
      await Promise.race([new Promise((resolve) => service.child.once('close', resolve)), delay(1_000)]);
      const last = tail();
      throw new Error(
        `${service.name} exited with code ${service.child.exitCode} while starting` +
          (last.length === 0 ? '' : `; its last output:\n${last.join('\n')}`),
      );
    }
    try {
      const response = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${service.name} did not answer ${service.url}/health/ready within ${timeoutMs / 1000} s`);
    await delay(200);
  }
};

/**
 * Builds each service into plain JavaScript (`buildService`, only when its sources changed) and starts it as its own
 * process (`node <bundle>`, no TypeScript loader at run time), with its output prefixed by its name,
 * and waits until every one answers `/health/ready`. If one fails to start, the others are stopped again.
 */
export const launchServices = async (
  specs: readonly ServiceSpec[],
  options: { env: NodeJS.ProcessEnv; write: (line: string) => void; colour: boolean; raw?: boolean; readyTimeoutMs?: number },
): Promise<Launched> => {
  const width = Math.max(...specs.map((s) => s.name.length));
  const tails = new Map<string, string[]>();
  const prefixes = new Map<string, string>();
  const built = await Promise.all(specs.map((spec) => buildService(repoRoot, spec.name, spec.entry)));
  const services: LaunchedService[] = specs.map((spec, index) => {
    const child = spawn(process.execPath, ['--enable-source-maps', ...(spec.nodeArgs ?? []), built[index]!], {
      cwd: repoRoot,
      env: { ...options.env, ...spec.env, PORT: String(spec.port) },
      // a group of its own: a terminal's Ctrl-C reaches only the launcher, which stops each service once; the IPC
      // channel lets a service notice when the launcher dies (stopOnSignals stops it then)
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const prefix = prefixFor(spec.name, index, width, options.colour);
    prefixes.set(spec.name, prefix);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        const shown = options.raw ? line : formatLogLine(line);
        const tail = tails.get(spec.name) ?? [];
        tail.push(shown);
        tails.set(spec.name, tail.slice(-tailLines));
        options.write(`${prefix} ${shown}`);
      });
    }
    return { ...spec, url: `http://127.0.0.1:${spec.port}`, child };
  });

  const stop = async (graceMs = 15_000): Promise<void> => {
    for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const s of services) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
        options.write(`${prefixes.get(s.name) ?? s.name} did not stop within ${graceMs / 1000} s of SIGTERM; killed`);
        s.child.kill('SIGKILL');
      }
    }, graceMs);
    await Promise.all(services.map((s) => exited(s.child)));
    clearTimeout(timer);
  };
  const firstExit = Promise.race(
    services.map(
      (s) =>
        new Promise<{ name: string; code: number | null }>((resolve) => s.child.once('exit', (code) => resolve({ name: s.name, code }))),
    ),
  );

  try {
    await Promise.all(services.map((s) => waitReady(s, options.readyTimeoutMs ?? 90_000, () => tails.get(s.name) ?? [])));
  } catch (error) {
    await stop(5_000);
    throw error;
  }
  return { services, stop, firstExit };
};
