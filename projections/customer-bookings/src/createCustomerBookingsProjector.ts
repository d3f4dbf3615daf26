import type { ConsumedRecord } from '@waggle/kafka-bus';
import type { BookingsEvent, FlightsEvent } from '@waggle/schemas';
import { evolve as evolveBooking, initialCustomerBooking } from './customerBooking.ts';
import { evolve as evolveFlight, initialFlightSummary } from './flightSummary.ts';
import type { CustomerBookingsStore } from './mongoCustomerBookingsStore.ts';
import type { ProjectedEvent } from '@waggle/read-model';

/** A decoded record, tagged by the topic it came from: the topic decides which documents it may write. */
export type IncomingEvent =
  | { readonly from: 'bookings'; readonly projected: ProjectedEvent<BookingsEvent> }
  | { readonly from: 'flights'; readonly projected: ProjectedEvent<FlightsEvent> };

/** Folds events into their documents (loaded by id), returning only the documents that changed. */
const fold = async <E, D>(
  events: readonly ProjectedEvent<E>[],
  idOf: (event: E) => string,
  load: (ids: readonly string[]) => Promise<Map<string, D>>,
  initial: (id: string) => D,
  evolve: (doc: D, event: ProjectedEvent<E>) => D,
): Promise<D[]> => {
  const byId = new Map<string, ProjectedEvent<E>[]>();
  for (const event of events) {
    const id = idOf(event.event);
    byId.set(id, [...(byId.get(id) ?? []), event]);
  }
  if (byId.size === 0) return [];
  const current = await load([...byId.keys()]);
  const changed: D[] = [];
  for (const [id, applied] of byId) {
    const before = current.get(id) ?? initial(id);
    const after = applied.reduce(evolve, before);
    if (after !== before) changed.push(after);
  }
  return changed;
};

/**
 * The consumer's batch handler: a batch is consecutive records of one partition of one topic, so it writes either
 * booking documents or flight documents, never both, then the offset they reflect. Records at or below the
 * reflected offset are skipped, so replaying a topic into the same database changes nothing.
 */
export const createCustomerBookingsProjector =
  (store: CustomerBookingsStore) =>
  async (records: readonly ConsumedRecord<IncomingEvent | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;
    const incoming = fresh.flatMap((record) => (record.event === undefined || record.event === null ? [] : [record.event]));

    const bookings = await fold(
      incoming.flatMap((event) => (event.from === 'bookings' ? [event.projected] : [])),
      (event) => event.data.bookingId,
      store.loadBookings,
      initialCustomerBooking,
      evolveBooking,
    );
    const flights = await fold(
      incoming.flatMap((event) => (event.from === 'flights' ? [event.projected] : [])),
      (event) => event.data.flightId,
      store.loadFlights,
      initialFlightSummary,
      evolveFlight,
    );
    await store.saveBatch({ bookings, flights }, { topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
