import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Logger } from '@waggle/observability';
import type { LakeSinkConfig } from './config.ts';
import type { LakeSinkStatus } from './createLakeSink.ts';

/** What a member thread is given: the sink's settings (the crash hook as its spec) and a crash counter all members share. */
export type MemberData = {
  readonly member: number;
  readonly config: Omit<LakeSinkConfig, 'crashHook'>;
  readonly crashCounter: SharedArrayBuffer;
};

export type MemberCall = { readonly type: 'call'; readonly id: number; readonly call: 'status' | 'lag' | 'stop' };

export type MemberMessage =
  | { readonly type: 'started' }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'reply'; readonly id: number; readonly result?: unknown; readonly error?: string };

type Lag = { topic: string; partition: number; committed: string; high: string; lag: number }[];

export type MemberStatus = LakeSinkStatus & { readonly member: number };

/** The sink's members as one: statuses summed, a state that is the worst of theirs, the group's lag. */
export type SinkMembers = {
  readonly status: () => Promise<LakeSinkStatus & { readonly members: readonly MemberStatus[] }>;
  readonly lag: () => Promise<Lag>;
  readonly stop: () => Promise<void>;
};

type Member = {
  readonly index: number;
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  /** Set once the thread has died or failed: its partitions go to the other members at the next rebalance. */
  gone: string | undefined;
};

/**
 * A worker running `entry`. A TypeScript entry (tests, benches; a built service runs JavaScript) gets tsx's loader
 * registered in its thread first: a loader given to the process with `--import` does not reach worker threads.
 */
const newWorker = (entry: string | URL, options: WorkerOptions): Worker => {
  if (!/\.[mc]?ts$/.test(String(entry))) return new Worker(entry, options);
  const url = entry instanceof URL ? entry.href : pathToFileURL(entry).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
};

const worstFirst: readonly LakeSinkStatus['state'][] = ['crashed', 'new', 'stopped', 'running'];

const emptyStatus = (state: LakeSinkStatus['state']): LakeSinkStatus => ({
  state,
  topics: [],
  partitions: 0,
  filesCommitted: 0,
  rowsCommitted: 0,
  undecodable: 0,
  bufferedRows: 0,
});

/**
 * Runs the sink as `config.members` members of its consumer group, each in a worker thread of this process with its
 * own consumer, DuckDB and store client: what Kafka Connect's `tasks.max` does. One member's work (decoding, rows,
 * appends) fills a thread, so on several cores more members sink more records per second. Exactly once still holds
 * per partition as it does between processes: the manifest says where a partition continues and fences keep a
 * revoked member from writing. `entry` is the script a member runs (the service's own main, which starts a member
 * when it is not the main thread).
 */
export const startSinkMembers = async (config: LakeSinkConfig, entry: string | URL, logger: Logger): Promise<SinkMembers> => {
  const { crashHook: _hook, ...settings } = config;
  const crashCounter = new SharedArrayBuffer(4);
  const members: Member[] = [];
  let calls = 0;
  let stopping = false;

  const call = (member: Member, what: MemberCall['call']): Promise<unknown> => {
    if (member.gone !== undefined) return Promise.reject(new Error(`lake sink member ${member.index} is gone: ${member.gone}`));
    const id = (calls += 1);
    return new Promise((resolve, reject) => {
      member.pending.set(id, { resolve, reject });
      member.worker.postMessage({ type: 'call', id, call: what } satisfies MemberCall);
    });
  };

  const start = (index: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const worker = newWorker(entry, { workerData: { member: index, config: settings, crashCounter } satisfies MemberData });
      const member: Member = { index, worker, pending: new Map(), gone: undefined };
      members.push(member);
      const fail = (reason: string): void => {
        if (member.gone !== undefined) return;
        member.gone = reason;
        for (const waiting of member.pending.values()) waiting.reject(new Error(`lake sink member ${index}: ${reason}`));
        member.pending.clear();
        if (!stopping) logger.error({ member: index }, `lake sink member ${index} stopped working: ${reason}`);
        reject(new Error(`lake sink member ${index} did not start: ${reason}`));
      };
      worker.on('message', (message: MemberMessage) => {
        if (message.type === 'started') resolve();
        else if (message.type === 'failed') fail(message.error);
        else {
          const waiting = member.pending.get(message.id);
          member.pending.delete(message.id);
          if (message.error === undefined) waiting?.resolve(message.result);
          else waiting?.reject(new Error(message.error));
        }
      });
      worker.on('error', (error) => fail(String(error)));
      worker.on('exit', (code) => fail(`its thread exited with code ${code}`));
    });

  const stop = async (): Promise<void> => {
    stopping = true;
    // each member commits the files in hand and leaves the group; then its thread ends
    await Promise.all(
      members.map(async (member) => {
        await call(member, 'stop').catch((error: unknown) => {
          if (member.gone === undefined) logger.error({ member: member.index }, `lake sink member ${member.index}: ${String(error)}`);
        });
        await member.worker.terminate();
      }),
    );
  };

  try {
    // all at once: they join the group in one rebalance, not one each
    await Promise.all(Array.from({ length: config.members }, (_, index) => start(index)));
  } catch (error) {
    await stop();
    throw error;
  }

  // a member that dies while it answers is a crashed one, not a failed status request
  const statusOf = async (member: Member): Promise<MemberStatus> => ({
    ...((await call(member, 'status').catch(() => emptyStatus('crashed'))) as LakeSinkStatus),
    member: member.index,
  });

  return {
    status: async () => {
      const each = await Promise.all(members.map(statusOf));
      const sum = (field: 'partitions' | 'filesCommitted' | 'rowsCommitted' | 'undecodable' | 'bufferedRows'): number =>
        each.reduce((total, s) => total + s[field], 0);
      return {
        state: worstFirst.find((state) => each.some((s) => s.state === state)) ?? 'new',
        topics: [...new Set(each.flatMap((s) => s.topics))].sort(),
        partitions: sum('partitions'),
        filesCommitted: sum('filesCommitted'),
        rowsCommitted: sum('rowsCommitted'),
        undecodable: sum('undecodable'),
        bufferedRows: sum('bufferedRows'),
        members: each,
      };
    },
    // every member reads the same group's committed offsets: one answer is the group's
    lag: async () => {
      const alive = members.find((m) => m.gone === undefined);
      if (alive === undefined) throw new Error('no lake sink member is running');
      return (await call(alive, 'lag')) as Lag;
    },
    stop,
  };
};
