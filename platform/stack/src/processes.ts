import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export type DaemonSpec = {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly env?: NodeJS.ProcessEnv;
};

export type Daemon = { readonly pid: number; readonly exited: () => number | null };

/** Starts a process in its own process group, detached from ours, with stdout and stderr in `logFile`. */
export const startDaemon = async (spec: DaemonSpec): Promise<Daemon> => {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', log, log],
      env: spec.env ?? process.env,
    });
    let exitCode: number | null = null;
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? -1));
      child.once('error', reject);
    });
    child.unref();
    await writeFile(spec.pidFile, `${pid}\n`);
    return { pid, exited: () => exitCode };
  } finally {
    closeSync(log);
  }
};

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readCmdline = async (pid: number): Promise<string> => {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

/**
 * The pid recorded in `pidFile` if that process still runs and its command line carries `marker`
 * (a pid reused by an unrelated process after a reboot is not ours). A stale pid file is removed.
 */
export const readLivePid = async (pidFile: string, marker: string): Promise<number | undefined> => {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && (await readCmdline(pid)).includes(marker)) return pid;
  await rm(pidFile, { force: true });
  return undefined;
};

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
};

/** SIGTERM to the whole process group, then SIGKILL after `graceMs`; resolves when the process is gone. */
export const stopDaemon = async (pid: number, graceMs: number): Promise<'terminated' | 'killed'> => {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'terminated';
    await delay(100);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await delay(50);
  return 'killed';
};

/** Resident memory of a process in MiB, from /proc (undefined where /proc is unavailable). */
export const residentMiB = async (pid: number): Promise<number | undefined> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
};

export const ensureDir = async (dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true });
};
