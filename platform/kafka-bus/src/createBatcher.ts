/** Coalesces concurrent `add()` calls into batches handed one at a time to `sendBatch`. */
export type Batcher<T> = {
  /** Resolves once `sendBatch` resolved for the batch holding these items; rejects with its error otherwise. */
  readonly add: (items: readonly T[]) => Promise<void>;
  /** Sends everything added so far and resolves when nothing is pending or in flight. */
  readonly flush: () => Promise<void>;
  /** Rejects every call still waiting for its batch to leave, with `error` (the batch in flight goes on). */
  readonly discard: (error: Error) => void;
};

type Request<T> = { readonly items: readonly T[]; readonly resolve: () => void; readonly reject: (error: unknown) => void };

/**
 * The linger/batching kafkajs lacks (kafkajs#1157): items wait up to `lingerMs` (or until `maxBatchSize` are
 * queued) and go out together. Only one batch is in flight at a time and batches leave in `add()` order, so
 * items added later never overtake earlier ones; whatever arrives while a batch is in flight forms the next one.
 * A call's items are never split across batches (one call larger than `maxBatchSize` goes alone), so each
 * caller's promise has one outcome.
 */
export const createBatcher = <T>(options: {
  lingerMs: number;
  maxBatchSize: number;
  sendBatch: (items: T[]) => Promise<void>;
  /**
   * Whether a failed batch of several calls is sent again call by call, in order, so that one caller's bad
   * items (a record too large, an invalid topic) do not fail the others. Items of a partly written batch may
   * then be written twice, which at-least-once delivery allows.
   */
  retryAlone?: (error: unknown) => boolean;
}): Batcher<T> => {
  const queue: Request<T>[] = [];
  let queuedItems = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let idleWaiters: (() => void)[] = [];

  const takeBatch = (): Request<T>[] => {
    const batch: Request<T>[] = [];
    let size = 0;
    while (queue.length > 0) {
      const next = queue[0];
      if (next === undefined || (batch.length > 0 && size + next.items.length > options.maxBatchSize)) break;
      queue.shift();
      batch.push(next);
      size += next.items.length;
    }
    queuedItems -= size;
    return batch;
  };

  const send = async (batch: Request<T>[]): Promise<void> => {
    try {
      await options.sendBatch(batch.flatMap((request) => request.items));
      for (const request of batch) request.resolve();
    } catch (error) {
      if (batch.length === 1 || options.retryAlone?.(error) !== true) {
        for (const request of batch) request.reject(error);
        return;
      }
      for (const request of batch) {
        await options.sendBatch([...request.items]).then(request.resolve, request.reject);
      }
    }
  };

  const drain = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (inFlight !== undefined) return;
    if (queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    inFlight = send(takeBatch());
    void inFlight.finally(() => {
      inFlight = undefined;
      // what queued up during the flight already waited at least one round trip: send it right away
      drain();
    });
  };

  const add = (items: readonly T[]): Promise<void> => {
    if (items.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => queue.push({ items, resolve, reject }));
    queuedItems += items.length;
    if (queuedItems >= options.maxBatchSize) drain();
    else if (timer === undefined && inFlight === undefined) timer = setTimeout(drain, options.lingerMs);
    return done;
  };

  const flush = (): Promise<void> => {
    if (queue.length === 0 && inFlight === undefined) return Promise.resolve();
    const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
    drain();
    return idle;
  };

  const discard = (error: Error): void => {
    for (const request of queue.splice(0)) request.reject(error);
    queuedItems = 0;
    if (inFlight === undefined) drain();
  };

  return { add, flush, discard };
};
