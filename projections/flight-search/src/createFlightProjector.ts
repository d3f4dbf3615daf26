import type { ConsumedRecord } from '@waggle/kafka-bus';
import type { FlightsEvent } from '@waggle/schemas';
import { evolve, initialFlightAvailability, type FlightAvailability } from './flightAvailability.ts';
import type { FlightSearchStore } from './mongoFlightSearchStore.ts';
import type { ProjectedEvent } from '@waggle/read-model';

/**
 * The consumer's batch handler: folds consecutive records of one partition into their flights, then saves the
 * changed flights and the offset they reflect in one go. Records at or below the reflected offset are skipped, so
 * replaying the topic into the same database changes nothing, hand-made events without a version included.
 */
export const createFlightProjector =
  (store: FlightSearchStore) =>
  async (records: readonly ConsumedRecord<ProjectedEvent<FlightsEvent> | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;

    const byFlight = new Map<string, ProjectedEvent<FlightsEvent>[]>();
    for (const { event } of fresh) {
      if (event === undefined || event === null) continue;
      const flightId = event.event.data.flightId;
      byFlight.set(flightId, [...(byFlight.get(flightId) ?? []), event]);
    }
    const current = await store.loadFlights([...byFlight.keys()]);
    const changed: FlightAvailability[] = [];
    for (const [flightId, events] of byFlight) {
      const before = current.get(flightId) ?? initialFlightAvailability(flightId);
      const after = events.reduce(evolve, before);
      if (after !== before) changed.push(after);
    }
    await store.saveBatch(changed, { topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
