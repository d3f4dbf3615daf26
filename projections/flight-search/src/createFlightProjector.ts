import type { ConsumedRecord } from '@waggle/kafka-bus';
import { applyToDocuments, type ProjectedEvent, type SkippedEvent } from '@waggle/read-model';
import type { FlightsEvent } from '@waggle/schemas';
import { evolve, initialFlightAvailability } from './flightAvailability.ts';
import type { FlightSearchStore } from './mongoFlightSearchStore.ts';

/**
 * The consumer's batch handler: folds consecutive records of one partition into their flights, saves the changed
 * flights (each guarded by the revision it read, a flight's events applied only in version order), then the offset
 * they reflect. Records at or below the reflected offset are skipped, so replaying the topic into the same database
 * changes nothing, hand-made events without a version included.
 */
export const createFlightProjector =
  (store: FlightSearchStore) =>
  async (records: readonly ConsumedRecord<ProjectedEvent<FlightsEvent> | SkippedEvent | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;

    await applyToDocuments(
      store.flightDocuments,
      fresh.flatMap(({ event }) => (event === undefined || event === null ? [] : [event])),
      { idOf: (event) => event.data.flightId, initial: initialFlightAvailability, evolve },
    );
    await store.recordOffset({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
