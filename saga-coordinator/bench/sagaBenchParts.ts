import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { percentile, round, summarize } from '@waggle/bench';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Resident set size in MiB, from /proc/<pid>/status VmRSS. */
export const rssMiB = async (pid: number): Promise<number> => {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kib === undefined ? Number.NaN : Number(kib) / 1024;
};

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (USER_HZ 100). */
export const cpuSeconds = async (pid: number): Promise<number> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** Spawns a TypeScript entry of this repository with tsx; resolves once it prints `ready` or its URL answers. */
export const spawnTs = (entry: string, args: readonly string[], env: Record<string, string>): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });

export const waitForLine = (child: ChildProcess, line: string): Promise<void> =>
  new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(line)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${line} never came: exited ${code}`)));
  });

/**
 * Receipt times of each chain's steps (a chain is one execution, or one baseline ping-pong chain): the step latency
 * is the time from one step's receipt by its worker to the next one's, i.e. answer → next command.
 */
export const createStepClock = () => {
  const receipts = new Map<string, number[]>();
  const done = new Map<string, () => void>();
  return {
    receipt: (chain: string, step: number, steps: number): void => {
      const times = receipts.get(chain) ?? [];
      times[step] = performance.now();
      receipts.set(chain, times);
      if (step === steps - 1) done.get(chain)?.();
    },
    /** Resolves when the chain's last step arrived. */
    lastStep: (chain: string): Promise<void> => new Promise((resolve) => done.set(chain, resolve)),
    stepLatencies: (): number[] =>
      [...receipts.values()].flatMap((times) => times.slice(1).map((at, index) => at - (times[index] ?? at))).filter((ms) => ms > 0),
    reset: () => receipts.clear(),
  };
};

export const latencyLine = (samples: readonly number[]) => ({
  p50: round(percentile(samples, 50)),
  p99: round(percentile(samples, 99)),
  ...Object.fromEntries(Object.entries(summarize(samples)).map(([k, v]) => [k, round(v)])),
});
