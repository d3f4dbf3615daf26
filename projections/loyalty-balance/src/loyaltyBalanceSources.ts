import { openMongoEventStore } from '@waggle/event-store';
import type { ProjectedEvent, SkippedEvent, StoreSource } from '@waggle/read-model';
import { loyaltyFullNames, type LoyaltyEvent } from '@waggle/schemas';
import type { LoyaltyBalanceConfig } from './config.ts';

/** The loyalty event store, for a rebuild from history the topic no longer holds (`--from-store loyalty`). */
export const loyaltyBalanceSources = (
  config: LoyaltyBalanceConfig,
): Record<string, StoreSource<ProjectedEvent<LoyaltyEvent> | SkippedEvent | null>> => ({
  loyalty: {
    open: async () => {
      const opened = await openMongoEventStore({ url: config.mongoUrl, database: config.loyaltyStoreDb, lanes: config.eventStoreLanes });
      return { store: opened.store, close: opened.close };
    },
    // as the topic's decoder gives it: the store keeps the data as the decider wrote it, the JSON Avro carries
    toEvent: (event) => {
      const occurredAt = new Date(event.metadata.occurredAt).toISOString();
      const { eventId } = event.metadata;
      if (!(event.type in loyaltyFullNames))
        return { skipped: event.type, streamId: event.streamId, eventId, streamVersion: event.version, occurredAt };
      return {
        event: { type: event.type, data: event.data } as unknown as LoyaltyEvent,
        eventId,
        streamVersion: event.version,
        occurredAt,
      };
    },
  },
});
