import type { ConsumedRecord } from '@waggle/kafka-bus';
import { applyToDocuments, isSkipped, updateDocuments, type ProjectedEvent, type SkippedEvent } from '@waggle/read-model';
import type { FlightsEvent } from '@waggle/schemas';
import { evolve, initialFlightAvailability, type FlightAvailability } from './flightAvailability.ts';
import type { FlightSearchStore } from './mongoFlightSearchStore.ts';
import { routeDayOf, withFlights } from './routeDay.ts';

/** The route-and-day lists the scheduled flights of the batch belong in, from the flights as they now are. */
const flightsByRouteDay = (
  events: readonly (ProjectedEvent<FlightsEvent> | SkippedEvent)[],
  flights: ReadonlyMap<string, FlightAvailability>,
): Map<string, FlightAvailability[]> => {
  const scheduled = new Set(events.flatMap((e) => (!isSkipped(e) && e.event.type === 'FlightScheduled' ? [e.event.data.flightId] : [])));
  const byRouteDay = new Map<string, FlightAvailability[]>();
  for (const flightId of scheduled) {
    const flight = flights.get(flightId);
    const routeDay = flight === undefined ? undefined : routeDayOf(flight);
    if (flight === undefined || routeDay === undefined) continue;
    byRouteDay.set(routeDay, [...(byRouteDay.get(routeDay) ?? []), flight]);
  }
  return byRouteDay;
};

/**
 * Folds events into their flights and saves the changed ones (each guarded by the revision it read, a flight's
 * events applied only in version order), then brings the route-and-day lists of the flights it scheduled up to
 * date from the flights as they are after the batch, so a batch applied again after a crash completes them.
 */
export const applyFlightEvents = async (
  store: FlightSearchStore,
  events: readonly (ProjectedEvent<FlightsEvent> | SkippedEvent)[],
): Promise<void> => {
  const flights = await applyToDocuments(store.flightDocuments, events, {
    idOf: (event) => event.data.flightId,
    initial: initialFlightAvailability,
    evolve,
  });
  const lists = flightsByRouteDay(events, flights);
  await updateDocuments(store.routeDayDocuments, [...lists.keys()], (routeDay, list) =>
    withFlights(list ?? { routeDay, flights: [] }, lists.get(routeDay) ?? []),
  );
};

/**
 * The consumer's batch handler: applies consecutive records of one partition (`applyFlightEvents`), then records
 * the offset they reflect. Records at or below the reflected offset are skipped, so replaying the topic into the
 * same database changes nothing, hand-made events without a version included.
 */
export const createFlightProjector =
  (store: FlightSearchStore) =>
  async (records: readonly ConsumedRecord<ProjectedEvent<FlightsEvent> | SkippedEvent | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;
    await applyFlightEvents(
      store,
      fresh.flatMap(({ event }) => (event === undefined || event === null ? [] : [event])),
    );
    await store.recordOffset({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
