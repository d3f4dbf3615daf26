import type { EachBatchPayload, KafkaMessage } from 'kafkajs';

/** What the concurrent pass needs from its consumer, per record. */
export type ConcurrentPassDeps = {
  /** `plain` unless the record is another group's redriven copy (`skip`), of a parked key or this group's copy (`careful`). */
  readonly isPlain: (message: KafkaMessage) => 'plain' | 'skip' | 'careful';
  /** Decodes and handles one record; resolves once its effect is durable. */
  readonly handle: (message: KafkaMessage) => Promise<void>;
  /** Most records in flight at once in this partition. */
  readonly limit: number;
};

/** What the pass did: the indexes it handled (or skipped), and the first failure of each failed index. */
export type ConcurrentPass = { readonly done: ReadonlySet<number>; readonly failed: ReadonlyMap<number, unknown> };

/**
 * Handles a fetched batch of one partition with records of different keys at the same time and each key's records
 * in offset order, one after the other (a record without a key is on its own): a partition holding many aggregates
 * is no longer worked one record at a time. The offset resolved is always the end of the handled prefix, so a
 * crash redelivers only records after it (handlers are idempotent already).
 *
 * The pass is for the plain case. At the first record that needs care — its handler or decoding failed, its key is
 * parked, it is a redriven copy — nothing new starts (a failed key's later records never start), the records in
 * flight finish, and the consumer's one-at-a-time path takes over from the first index not done, which skips what
 * this pass did and retries or dead-letters the failed record with its first error.
 */
export const handleKeysConcurrently = async (payload: EachBatchPayload, deps: ConcurrentPassDeps): Promise<ConcurrentPass> => {
  const { messages } = payload.batch;
  const done = new Set<number>();
  const failed = new Map<number, unknown>();
  /** Per key, the promise of its latest record in flight: the next record of that key starts after it. */
  const tails = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let prefix = 0;

  const settle = (index: number): void => {
    done.add(index);
    while (done.has(prefix)) prefix++;
    const last = messages[prefix - 1];
    if (last !== undefined) payload.resolveOffset(last.offset);
  };

  const run = async (index: number, message: KafkaMessage): Promise<void> => {
    if (stopped) return;
    try {
      const route = deps.isPlain(message);
      if (route === 'careful') {
        stopped = true;
        return;
      }
      if (route === 'plain') await deps.handle(message);
      settle(index);
    } catch (error) {
      failed.set(index, error);
      stopped = true;
    }
  };

  /** The group's session is kept and the handled prefix committed as the pass goes (kafkajs throttles both). */
  let leftGroup: Error | undefined;
  const keepSession = async (): Promise<void> => {
    try {
      await payload.heartbeat();
      await payload.commitOffsetsIfNecessary();
    } catch (error) {
      leftGroup = error instanceof Error ? error : new Error(String(error));
      stopped = true;
    }
  };

  for (let index = 0; index < messages.length; index++) {
    while (inFlight.size >= deps.limit && !stopped) await Promise.race(inFlight);
    // a long batch (one key's many records one after the other) must not outlast the session timeout
    if (!stopped) await keepSession();
    if (stopped || !payload.isRunning() || payload.isStale()) break;
    const message = messages[index]!;
    const key = message.key === null ? `\u0000${index}` : message.key.toString('latin1');
    const task = (tails.get(key) ?? Promise.resolve()).then(() => run(index, message));
    tails.set(key, task);
    inFlight.add(task);
    void task.finally(() => {
      inFlight.delete(task);
      if (tails.get(key) === task) tails.delete(key);
    });
  }
  await Promise.all(inFlight);
  // a rebalance under way: kafkajs rejoins, and what was not committed comes again (the handlers are idempotent)
  if (leftGroup !== undefined) throw leftGroup;
  return { done, failed };
};
