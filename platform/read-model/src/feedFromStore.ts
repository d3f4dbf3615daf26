import type { EventStore, RecordedEvent } from '@waggle/event-store';

/** A context's event store as a rebuild's source of history. */
export type StoreSource<E> = {
  /** Opens the context's store for reading (its outbox lanes hold every batch, in stream order per aggregate). */
  readonly open: () => Promise<{
    readonly store: Pick<EventStore, 'lanes' | 'readOutbox' | 'readOutboxHead'>;
    readonly close: () => Promise<void>;
  }>;
  /** The read model's event for a stored one, as the consumer's `decode` would give it from the topic; null: none. */
  readonly toEvent: (event: RecordedEvent) => E | null;
};

export type LanePosition = { readonly lane: number; readonly seq: number; readonly head: number };

// batches per outbox read: a bounded `$in` of keys, and a chunk of events the projector applies at once
const batchesPerRead = 200;
// a stuck entry (an append in flight) is never completed here: that is the context relay's work, and this reads only
const neverOrphaned = Number.MAX_SAFE_INTEGER;

/**
 * Feeds a rebuild from a context's event store, republishing nothing: each outbox lane is read from `from` (the
 * seq already fed, kept durable by `save` after every chunk so a restart resumes there) to its head, its
 * batches' events applied in order, so every aggregate's events come in stream order; the lanes go concurrently.
 * A lane stops at an append still in flight; the topics bring it, and everything after, once the consumer runs.
 */
export const feedFromStore = async <E>(options: {
  readonly source: StoreSource<E>;
  readonly apply: (events: E[]) => Promise<void>;
  readonly from: Readonly<Record<string, number>>;
  readonly save: (lane: number, seq: number) => Promise<void>;
  readonly onProgress: (lanes: readonly LanePosition[]) => void;
  readonly isRunning: () => boolean;
}): Promise<{ readonly finished: boolean; readonly events: number }> => {
  const { store, close } = await options.source.open();
  let events = 0;
  try {
    const positions: LanePosition[] = await Promise.all(
      Array.from({ length: store.lanes }, async (_, lane) => ({
        lane,
        seq: options.from[String(lane)] ?? 0,
        head: await store.readOutboxHead(lane),
      })),
    );
    options.onProgress(positions);
    const finished = await Promise.all(
      positions.map(async (start, index) => {
        let seq = start.seq;
        while (options.isRunning()) {
          const read = await store.readOutbox(start.lane, seq, { limit: batchesPerRead, orphanAfterMs: neverOrphaned });
          if (read.throughSeq === seq) return true;
          const chunk = read.batches.flatMap((batch) => batch.events.flatMap((event) => options.source.toEvent(event) ?? []));
          if (chunk.length > 0) await options.apply(chunk);
          events += chunk.length;
          seq = read.throughSeq;
          await options.save(start.lane, seq);
          positions[index] = { ...start, seq, head: Math.max(start.head, seq) };
          options.onProgress(positions);
        }
        return false;
      }),
    );
    return { finished: finished.every(Boolean), events };
  } finally {
    await close();
  }
};
