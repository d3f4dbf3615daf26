import type { ConsumedRecord } from '@waggle/kafka-bus';
import { applyToDocuments, type ProjectedEvent, type SkippedEvent } from '@waggle/read-model';
import type { BookingsEvent, FlightsEvent } from '@waggle/schemas';
import { evolve as evolveBooking, initialCustomerBooking } from './customerBooking.ts';
import { evolve as evolveFlight, initialFlightSummary } from './flightSummary.ts';
import type { CustomerBookingsStore } from './mongoCustomerBookingsStore.ts';

/** A decoded record, tagged by the topic it came from: the topic decides which documents it may write. */
export type IncomingEvent =
  | { readonly from: 'bookings'; readonly projected: ProjectedEvent<BookingsEvent> | SkippedEvent }
  | { readonly from: 'flights'; readonly projected: ProjectedEvent<FlightsEvent> | SkippedEvent };

/**
 * The consumer's batch handler: a batch is consecutive records of one partition of one topic, so it writes either
 * booking documents or flight documents, never both, then the offset they reflect. Records at or below the
 * reflected offset are skipped, so replaying a topic into the same database changes nothing. Each document write
 * is guarded by the revision it read and a stream's events apply only in version order (`applyToDocuments`).
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

    await applyToDocuments(
      store.bookingDocuments,
      incoming.flatMap((event) => (event.from === 'bookings' ? [event.projected] : [])),
      { idOf: (event) => event.data.bookingId, initial: initialCustomerBooking, evolve: evolveBooking },
    );
    await applyToDocuments(
      store.flightDocuments,
      incoming.flatMap((event) => (event.from === 'flights' ? [event.projected] : [])),
      { idOf: (event) => event.data.flightId, initial: initialFlightSummary, evolve: evolveFlight },
    );
    await store.recordOffset({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
