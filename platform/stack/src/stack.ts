import { readdir, readFile, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Report } from './artifacts.ts';
import { stackComponents, type Component, type ComponentName } from './components.ts';
import { assertPortFree } from './ports.ts';
import { ensureDir, isAlive, readLivePid, residentMiB, startDaemon, stopDaemon, type Daemon } from './processes.ts';
import type { StackConfig, StackMode } from './stackConfig.ts';
import { StackError } from './stackError.ts';

/** What `stackUp` did with one component. */
export type UpOutcome = {
  readonly name: ComponentName;
  readonly outcome: 'started' | 'already running' | 'external';
  readonly pid?: number;
  readonly address: string;
};

/** One line of `waggle stack status`. */
export type ComponentStatus = {
  readonly name: ComponentName;
  readonly mode: StackMode;
  readonly address: string;
  readonly pid?: number;
  readonly rssMiB?: number;
  readonly answering: boolean;
  readonly logFile?: string;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const answers = async (component: Component): Promise<boolean> => {
  try {
    await component.probe();
    return true;
  } catch {
    return false;
  }
};

const waitUntilReady = async (component: Component, daemon: Daemon | undefined): Promise<void> => {
  const deadline = Date.now() + component.readyTimeoutMs;
  for (;;) {
    const exitCode = daemon?.exited();
    if (exitCode !== undefined && exitCode !== null) {
      throw new StackError(`${component.name} exited during start-up (code ${exitCode}); see ${component.logFile}`);
    }
    if (await answers(component)) return;
    if (Date.now() > deadline) {
      throw new StackError(`${component.name} did not become ready within ${component.readyTimeoutMs / 1000} s; see ${component.logFile}`);
    }
    await delay(250);
  }
};

const checkExternal = async (component: Component): Promise<UpOutcome> => {
  try {
    await component.probe();
  } catch (error) {
    throw new StackError(`${component.setting}=${component.address} does not answer: ${errorText(error)}`, { cause: error });
  }
  return { name: component.name, outcome: 'external', address: component.address };
};

/**
 * Brings the stack up: external components are checked, running ones left alone, the rest downloaded or built
 * if needed, started in parallel and awaited until they answer. Idempotent. If one fails, the ones this call
 * started are stopped again so nothing is left half up.
 */
export const stackUp = async (config: StackConfig, report: Report = () => {}): Promise<UpOutcome[]> => {
  const components = stackComponents(config);
  const outcomes = new Map<ComponentName, UpOutcome>();
  const toStart: Component[] = [];

  for (const component of components) {
    if (component.mode === 'external') {
      outcomes.set(component.name, await checkExternal(component));
      continue;
    }
    const pid = await readLivePid(component.pidFile, component.dir);
    if (pid !== undefined) {
      await waitUntilReady(component, undefined);
      outcomes.set(component.name, { name: component.name, outcome: 'already running', pid, address: component.address });
    } else {
      toStart.push(component);
    }
  }

  for (const component of toStart) {
    for (const { port, setting } of component.ports) await assertPortFree(port, component.name, setting);
  }

  const started: { component: Component; daemon: Daemon }[] = [];
  const results = await Promise.allSettled(
    toStart.map(async (component) => {
      await ensureDir(component.dir);
      const spec = await component.prepare(report);
      const daemon = await startDaemon(spec);
      started.push({ component, daemon });
      report(`${component.name}: started (pid ${daemon.pid}), waiting until it answers`);
      await waitUntilReady(component, daemon);
      report(`${component.name}: ready at ${component.address}`);
      outcomes.set(component.name, { name: component.name, outcome: 'started', pid: daemon.pid, address: component.address });
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.all(
      started.map(({ component, daemon }) =>
        stopDaemon(daemon.pid, component.stopGraceMs).then(() => rm(component.pidFile, { force: true })),
      ),
    );
    throw failure.reason instanceof StackError ? failure.reason : new StackError(errorText(failure.reason), { cause: failure.reason });
  }
  return components.map((c) => outcomes.get(c.name)).filter((o): o is UpOutcome => o !== undefined);
};

/** Every process whose command line names `marker` (a stack folder): what `down` must leave none of. */
const processesMentioning = async (marker: string): Promise<number[]> => {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
};

const withS3 = (config: StackConfig): StackConfig => ({ ...config, s3: { ...config.s3, enabled: true } });

/**
 * Stops every local component, or those named in `only` (SIGTERM, then SIGKILL after its grace period); returns
 * what was stopped.
 */
export const stackDown = async (
  config: StackConfig,
  only?: readonly ComponentName[],
): Promise<{ name: ComponentName; pid: number; how: 'terminated' | 'killed' }[]> => {
  const stopped: { name: ComponentName; pid: number; how: 'terminated' | 'killed' }[] = [];
  // the S3 server too when it is off now: it was started by an earlier `WAGGLE_S3=1 stack up` and nothing else stops it
  await Promise.all(
    stackComponents(withS3(config))
      .filter((c) => c.mode === 'local' && (only === undefined || only.includes(c.name)))
      .map(async (component) => {
        const pids = new Set(await processesMentioning(component.dir));
        const recorded = await readLivePid(component.pidFile, component.dir);
        if (recorded !== undefined) pids.add(recorded);
        for (const pid of pids) {
          if (isAlive(pid)) stopped.push({ name: component.name, pid, how: await stopDaemon(pid, component.stopGraceMs) });
        }
        await rm(component.pidFile, { force: true });
      }),
  );
  return stopped;
};

/** The state of each component: running or not, its pid and memory, and whether it answers. */
export const stackStatus = async (config: StackConfig): Promise<ComponentStatus[]> => {
  // an S3 server left running from a `WAGGLE_S3=1` start is shown, so that it is not forgotten
  const components: Component[] = [];
  for (const component of stackComponents(withS3(config))) {
    const off = component.name === 's3' && !config.s3.enabled;
    if (!off || (await readLivePid(component.pidFile, component.dir)) !== undefined) components.push(component);
  }
  return Promise.all(
    components.map(async (component): Promise<ComponentStatus> => {
      if (component.mode === 'external') {
        return { name: component.name, mode: 'external', address: component.address, answering: await answers(component) };
      }
      const pid = await readLivePid(component.pidFile, component.dir);
      const rssMiB = pid === undefined ? undefined : await residentMiB(pid);
      return {
        name: component.name,
        mode: 'local',
        address: component.address,
        answering: pid !== undefined && (await answers(component)),
        logFile: component.logFile,
        ...(pid === undefined ? {} : { pid }),
        ...(rssMiB === undefined ? {} : { rssMiB }),
      };
    }),
  );
};

/** Stops the local stack and deletes its data and logs; downloads and builds stay cached. */
export const stackReset = async (config: StackConfig): Promise<void> => {
  await stackDown(config);
  await rm(config.stateDir, { recursive: true, force: true });
};
