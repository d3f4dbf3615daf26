import type { ConsumedRecord } from '@waggle/kafka-bus';
import { applyToDocuments, type ProjectedEvent, type SkippedEvent } from '@waggle/read-model';
import type { LoyaltyEvent } from '@waggle/schemas';
import { evolve, initialMemberBalance } from './memberBalance.ts';
import type { LoyaltyBalanceStore } from './mongoLoyaltyBalanceStore.ts';

/**
 * Folds events into their members and saves the changed ones, each guarded by the revision it read, a member's
 * events applied only in stream version order (a later one waits, retriably, for a missing one).
 */
export const applyLoyaltyEvents = async (
  store: LoyaltyBalanceStore,
  events: readonly (ProjectedEvent<LoyaltyEvent> | SkippedEvent)[],
): Promise<void> => {
  await applyToDocuments(store.memberDocuments, events, {
    idOf: (event) => event.data.memberId,
    initial: initialMemberBalance,
    evolve,
  });
};

/**
 * The consumer's batch handler: applies consecutive records of one partition, then records the offset they
 * reflect. Records at or below the reflected offset are skipped, so replaying the topic into the same database
 * changes nothing, hand-made events without a version included.
 */
export const createLoyaltyProjector =
  (store: LoyaltyBalanceStore) =>
  async (records: readonly ConsumedRecord<ProjectedEvent<LoyaltyEvent> | SkippedEvent | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;
    await applyLoyaltyEvents(
      store,
      fresh.flatMap(({ event }) => (event === undefined || event === null ? [] : [event])),
    );
    await store.recordOffset({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
