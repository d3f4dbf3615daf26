import type { PartitionLeases } from '@waggle/kafka-bus';
import type { OutboxRelay, RelayLogger } from './outboxRelay.ts';

/**
 * What a relay service does when its process appended on `lane`: a lane this instance relays is woken; another
 * instance's lane gets a record on the lanes topic (one signal in flight per lane is enough to wake its holder), so
 * lanes need no fast polling. A signal that cannot be sent is logged: the holder's next poll finds the append.
 */
export const createAppendSignaller = (
  relay: Pick<OutboxRelay, 'status' | 'wake'>,
  leases: Pick<PartitionLeases, 'signal'>,
  logger?: Pick<RelayLogger, 'error'>,
): ((lane: number) => void) => {
  /** Lanes signalled and not answered yet. */
  const signalling = new Set<number>();
  return (lane) => {
    if (relay.status().some((l) => l.lane === lane && l.state === 'relaying')) return relay.wake(lane);
    if (signalling.has(lane)) return;
    signalling.add(lane);
    leases
      .signal(lane)
      .catch((error: unknown) =>
        logger?.error({ lane, err: error }, 'outbox relay: could not signal the lane holder; its next poll finds the append'),
      )
      .finally(() => signalling.delete(lane));
  };
};
