import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher } from './createBatcher.ts';

/** A sink that records each batch and resolves it when the test says so. */
const createSink = () => {
  const batches: number[][] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const sendBatch = (items: number[]) => {
    batches.push(items);
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  };
  const settleNext = (error?: Error) => {
    const next = pending.shift();
    if (next === undefined) throw new Error('no batch in flight');
    if (error) next.reject(error);
    else next.resolve();
  };
  return { batches, pending, sendBatch, settleNext };
};

const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a batcher', () => {
  // only the linger timer is faked; setImmediate stays real to let promise chains settle
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('coalesces calls made within the linger window into one batch', async () => {
    const sink = createSink();
    const batcher = createBatcher({ lingerMs: 5, maxBatchSize: 100, sendBatch: sink.sendBatch });
    const sends = [batcher.add([1, 2]), batcher.add([3]), batcher.add([4, 5])];
    expect(sink.batches).toEqual([]);
    vi.advanceTimersByTime(5);
    expect(sink.batches).toEqual([[1, 2, 3, 4, 5]]);
    sink.settleNext();
    await Promise.all(sends);
  });

  it('sends at once when a batch is full, and never splits one call', async () => {
    const sink = createSink();
    const batcher = createBatcher({ lingerMs: 60_000, maxBatchSize: 3, sendBatch: sink.sendBatch });
    const first = batcher.add([1, 2]);
    const second = batcher.add([3, 4]);
    expect(sink.batches).toEqual([[1, 2]]);
    sink.settleNext();
    await first;
    await flushMicrotasks();
    expect(sink.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    sink.settleNext();
    await second;
  });

  it('keeps one batch in flight and sends what arrived meanwhile right after, in order', async () => {
    const sink = createSink();
    const batcher = createBatcher({ lingerMs: 0, maxBatchSize: 100, sendBatch: sink.sendBatch });
    const first = batcher.add([1]);
    vi.advanceTimersByTime(0);
    const later = [batcher.add([2]), batcher.add([3])];
    await flushMicrotasks();
    expect(sink.batches).toEqual([[1]]);
    sink.settleNext();
    await first;
    await flushMicrotasks();
    expect(sink.batches).toEqual([[1], [2, 3]]);
    sink.settleNext();
    await Promise.all(later);
  });

  it('rejects every caller of a failed batch and only them', async () => {
    const sink = createSink();
    const batcher = createBatcher({ lingerMs: 0, maxBatchSize: 2, sendBatch: sink.sendBatch });
    const a = batcher.add([1]);
    const b = batcher.add([2]);
    const c = batcher.add([3]);
    expect(sink.batches).toEqual([[1, 2]]);
    sink.settleNext(new Error('broker said no'));
    await expect(a).rejects.toThrow('broker said no');
    await expect(b).rejects.toThrow('broker said no');
    await flushMicrotasks();
    sink.settleNext();
    await expect(c).resolves.toBeUndefined();
  });

  it('sends the calls of a failed batch again one by one when asked to, so only the bad one fails', async () => {
    const sent: number[][] = [];
    const batcher = createBatcher({
      lingerMs: 0,
      maxBatchSize: 100,
      retryAlone: () => true,
      sendBatch: (items: number[]) => {
        sent.push(items);
        return items.includes(13) ? Promise.reject(new Error('record too large')) : Promise.resolve();
      },
    });
    const calls = [batcher.add([1]), batcher.add([13]), batcher.add([2])];
    vi.advanceTimersByTime(0);
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sent).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('flush resolves only when nothing is pending or in flight', async () => {
    const sink = createSink();
    const batcher = createBatcher({ lingerMs: 60_000, maxBatchSize: 100, sendBatch: sink.sendBatch });
    const sent = batcher.add([1, 2]);
    let flushed = false;
    const flush = batcher.flush().then(() => (flushed = true));
    await flushMicrotasks();
    expect(sink.batches).toEqual([[1, 2]]);
    expect(flushed).toBe(false);
    sink.settleNext();
    await Promise.all([sent, flush]);
    expect(flushed).toBe(true);
  });

  it('discards the calls still queued (they reject with the given error), leaving the batch in flight alone', async () => {
    const sink = createSink();
    const batcher = createBatcher({ lingerMs: 5, maxBatchSize: 2, sendBatch: sink.sendBatch });
    const first = batcher.add([1, 2]);
    await flushMicrotasks();
    const queued = batcher.add([3]);
    const gone = new Error('stopped');
    batcher.discard(gone);
    await expect(queued).rejects.toBe(gone);
    sink.settleNext();
    await expect(first).resolves.toBeUndefined();
    await batcher.flush();
    expect(sink.batches).toEqual([[1, 2]]);
  });
});
