import type { ConsumedRecord } from '@waggle/kafka-bus';
import { applyToDocuments, isSkipped, updateDocuments, type ProjectedEvent, type SkippedEvent } from '@waggle/read-model';
import type { BookingsEvent, CheckinEvent, FlightsEvent, PaymentsEvent } from '@waggle/schemas';
import { evolve as evolvePayment, initialBookingPayment } from './bookingPayment.ts';
import { evolve as evolveBooking, initialCustomerBooking, type CustomerBooking } from './customerBooking.ts';
import { evolve as evolveCheckIns, initialFlightCheckIns } from './flightCheckIns.ts';
import { positionOf, withBookings, type BookingsPosition } from './customerIndex.ts';
import { evolve as evolveFlight, initialFlightSummary } from './flightSummary.ts';
import type { CustomerBookingsStore } from './mongoCustomerBookingsStore.ts';

/** A decoded record, tagged by the topic it came from: the topic decides which documents it may write. */
export type IncomingEvent =
  | { readonly from: 'bookings'; readonly projected: ProjectedEvent<BookingsEvent> | SkippedEvent }
  | { readonly from: 'flights'; readonly projected: ProjectedEvent<FlightsEvent> | SkippedEvent }
  | { readonly from: 'payments'; readonly projected: ProjectedEvent<PaymentsEvent> | SkippedEvent }
  | { readonly from: 'checkin'; readonly projected: ProjectedEvent<CheckinEvent> | SkippedEvent };

/** The customers' lists that the requests of the batch belong in, from the bookings as they now are. */
const positionsByCustomer = (
  events: readonly (ProjectedEvent<BookingsEvent> | SkippedEvent)[],
  bookings: ReadonlyMap<string, CustomerBooking>,
): Map<string, BookingsPosition[]> => {
  const requested = new Set(events.flatMap((e) => (!isSkipped(e) && e.event.type === 'BookingRequested' ? [e.event.data.bookingId] : [])));
  const byCustomer = new Map<string, BookingsPosition[]>();
  for (const bookingId of requested) {
    const booking = bookings.get(bookingId);
    const position = booking === undefined ? undefined : positionOf(booking);
    if (booking?.customerId == null || position === undefined) continue;
    byCustomer.set(booking.customerId, [...(byCustomer.get(booking.customerId) ?? []), position]);
  }
  return byCustomer;
};

/**
 * Applies events to the documents: booking documents (and the customers' lists their requests belong in) from
 * the bookings events, flight documents from the flights events, payment documents (one per booking) from the
 * payments events and check-in documents (one per flight) from the check-in events. Each document write is
 * guarded by the revision it read and a stream's events apply only in version order (`applyToDocuments`); a
 * customer's list is brought up to date from the bookings as they are after the batch, so a batch applied again
 * after a crash completes it. Each kind of document has one topic as its only writer; they are joined when read.
 */
export const applyCustomerBookingsEvents = async (store: CustomerBookingsStore, incoming: readonly IncomingEvent[]): Promise<void> => {
  const bookingEvents = incoming.flatMap((event) => (event.from === 'bookings' ? [event.projected] : []));
  const bookings = await applyToDocuments(store.bookingDocuments, bookingEvents, {
    idOf: (event) => event.data.bookingId,
    initial: initialCustomerBooking,
    evolve: evolveBooking,
  });
  const lists = positionsByCustomer(bookingEvents, bookings);
  await updateDocuments(store.customerDocuments, [...lists.keys()], (customerId, index) =>
    withBookings(index ?? { customerId, entries: [] }, lists.get(customerId) ?? []),
  );
  await applyToDocuments(
    store.flightDocuments,
    incoming.flatMap((event) => (event.from === 'flights' ? [event.projected] : [])),
    { idOf: (event) => event.data.flightId, initial: initialFlightSummary, evolve: evolveFlight },
  );
  await applyToDocuments(
    store.paymentDocuments,
    incoming.flatMap((event) => (event.from === 'payments' ? [event.projected] : [])),
    { idOf: (event) => event.data.bookingId, initial: initialBookingPayment, evolve: evolvePayment },
  );
  await applyToDocuments(
    store.checkInDocuments,
    incoming.flatMap((event) => (event.from === 'checkin' ? [event.projected] : [])),
    { idOf: (event) => event.data.flightId, initial: initialFlightCheckIns, evolve: evolveCheckIns },
  );
};

/**
 * The consumer's batch handler: a batch is consecutive records of one partition of one topic, so it writes one
 * kind of document (`applyCustomerBookingsEvents`), then the offset they reflect. Records at
 * or below the reflected offset are skipped, so replaying a topic into the same database changes nothing.
 */
export const createCustomerBookingsProjector =
  (store: CustomerBookingsStore) =>
  async (records: readonly ConsumedRecord<IncomingEvent | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;
    await applyCustomerBookingsEvents(
      store,
      fresh.flatMap((record) => (record.event === undefined || record.event === null ? [] : [record.event])),
    );
    await store.recordOffset({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
