import { openMongoEventStore } from '@waggle/event-store';
import type { ProjectedEvent, SkippedEvent, StoreSource } from '@waggle/read-model';
import { flightsFullNames, type FlightsEvent } from '@waggle/schemas';
import type { FlightSearchConfig } from './config.ts';

/** The flights event store, for a rebuild from history the topic no longer holds (`--from-store flights`). */
export const flightSearchSources = (
  config: FlightSearchConfig,
): Record<string, StoreSource<ProjectedEvent<FlightsEvent> | SkippedEvent | null>> => ({
  flights: {
    open: async () => {
      const opened = await openMongoEventStore({ url: config.mongoUrl, database: config.flightsStoreDb, lanes: config.eventStoreLanes });
      return { store: opened.store, close: opened.close };
    },
    // as the topic's decoder gives it: the store keeps the data as the decider wrote it, the JSON Avro carries
    toEvent: (event) => {
      const occurredAt = new Date(event.metadata.occurredAt).toISOString();
      const { eventId } = event.metadata;
      if (!(event.type in flightsFullNames))
        return { skipped: event.type, streamId: event.streamId, eventId, streamVersion: event.version, occurredAt };
      return {
        event: { type: event.type, data: event.data } as unknown as FlightsEvent,
        eventId,
        streamVersion: event.version,
        occurredAt,
      };
    },
  },
});
