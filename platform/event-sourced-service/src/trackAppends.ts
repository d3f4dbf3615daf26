import type { EventStore } from '@waggle/event-store';

export type TrackedAppends = {
  readonly store: EventStore;
  /** Lanes among `cursors` (lane → published-through seq) whose cursor is behind an append this process made. */
  readonly unpublished: (cursors: ReadonlyMap<number, number>) => number[];
};

/**
 * Remembers, per outbox lane, the highest seq this process appended, so that a graceful stop can wait until the
 * relay has published everything it answered for: a 202 means durable and, after a clean stop, on Kafka. Each
 * append is told to `onAppend` (the relay: publish it now, wherever the lane is relayed).
 */
export const trackAppends = (store: EventStore, onAppend: (lane: number) => void = () => undefined): TrackedAppends => {
  const highest = new Map<number, number>();
  return {
    store: {
      ...store,
      append: async (streamId, events, options) => {
        const result = await store.append(streamId, events, options);
        const { lane, seq } = result.position;
        highest.set(lane, Math.max(highest.get(lane) ?? 0, seq));
        onAppend(lane);
        return result;
      },
    },
    unpublished: (cursors) => [...cursors].filter(([lane, cursor]) => (highest.get(lane) ?? 0) > cursor).map(([lane]) => lane),
  };
};
