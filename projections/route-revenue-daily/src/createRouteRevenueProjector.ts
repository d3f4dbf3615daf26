import type { ConsumedRecord } from '@waggle/kafka-bus';
import { applyToDocuments, isSkipped, type ProjectedEvent, type SkippedEvent } from '@waggle/read-model';
import type { BookingsEvent, FlightsEvent, PaymentsEvent } from '@waggle/schemas';
import { evolve as evolveBooking, initialBookingFacts, type BookingFacts } from './bookingFacts.ts';
import { evolve as evolveFlight, initialFlightFacts, type FlightFacts } from './flightFacts.ts';
import { bookingRevenueOf, initialFlightRevenue, withBookingRevenue, type BookingRevenue, type FlightRevenue } from './flightRevenue.ts';
import type { RouteRevenueStore } from './mongoRouteRevenueStore.ts';
import { mergeIntoDocuments } from './mergeIntoDocuments.ts';
import { evolve as evolvePayment, initialPaymentFacts, type PaymentFacts } from './paymentFacts.ts';
import { flightDayEntryOf, initialRouteDayRevenue, routeDayOf, withFlightEntries, type FlightDayEntry } from './routeDayRevenue.ts';

/** A decoded record, tagged by the topic it came from: the topic decides which facts it may write. */
export type IncomingEvent =
  | { readonly from: 'flights'; readonly projected: ProjectedEvent<FlightsEvent> | SkippedEvent }
  | { readonly from: 'bookings'; readonly projected: ProjectedEvent<BookingsEvent> | SkippedEvent }
  | { readonly from: 'payments'; readonly projected: ProjectedEvent<PaymentsEvent> | SkippedEvent };

type Projected<E> = ProjectedEvent<E> | SkippedEvent;

const known = <E>(events: readonly Projected<E>[]): ProjectedEvent<E>[] => events.flatMap((e) => (isSkipped(e) ? [] : [e]));

/** The documents among `ids` from `have`, the others loaded: read after this batch's own writes. */
const completed = async <D>(
  have: ReadonlyMap<string, D>,
  ids: readonly string[],
  load: (ids: readonly string[]) => Promise<Map<string, { doc: D }>>,
): Promise<Map<string, D>> => {
  const missing = ids.filter((id) => !have.has(id));
  const loaded = missing.length === 0 ? new Map<string, { doc: D }>() : await load(missing);
  return new Map([...have, ...[...loaded].map(([id, { doc }]) => [id, doc] as const)]);
};

/**
 * Applies events in three steps, each document write guarded by the revision it read:
 *
 * 1. each topic's facts (flights, bookings, payments), a stream's events in version order (`applyToDocuments`);
 * 2. the bookings the batch touched, joined: a booking event reads the booking's payment facts, a payment event
 *    its booking facts, and both are copied into the revenue of the booking's flight; a payment whose booking (or
 *    its flight id) is not known yet stays in its facts, and the booking's first event brings it in;
 * 3. the flights touched (their revenue changed, or they were scheduled), joined with their facts: each scheduled
 *    flight's figures are copied into its route and day; an unscheduled flight's revenue waits for its schedule.
 *
 * Every join reads the other side only after its own side was written, so of two batches completing one join at
 * the same time at least one sees both halves; the copies they set replace older ones only (`applied`), so either
 * order gives the same documents. Each step works from the documents as they are after the previous one, changed
 * or not, so a batch applied again after a crash completes what it had begun.
 */
export const applyRouteRevenueEvents = async (store: RouteRevenueStore, incoming: readonly IncomingEvent[]): Promise<void> => {
  const flightEvents: Projected<FlightsEvent>[] = [];
  const bookingEvents: Projected<BookingsEvent>[] = [];
  const paymentEvents: Projected<PaymentsEvent>[] = [];
  for (const event of incoming) {
    if (event.from === 'flights') flightEvents.push(event.projected);
    else if (event.from === 'bookings') bookingEvents.push(event.projected);
    else paymentEvents.push(event.projected);
  }

  const flights = await applyToDocuments(store.flightDocuments, flightEvents, {
    idOf: (event) => event.data.flightId,
    initial: initialFlightFacts,
    evolve: evolveFlight,
  });
  const bookings = await applyToDocuments(store.bookingDocuments, bookingEvents, {
    idOf: (event) => event.data.bookingId,
    initial: initialBookingFacts,
    evolve: evolveBooking,
  });
  const payments = await applyToDocuments(store.paymentDocuments, paymentEvents, {
    idOf: (event) => event.data.bookingId,
    initial: initialPaymentFacts,
    evolve: evolvePayment,
  });

  const touched = [
    ...new Set([...known(bookingEvents).map((e) => e.event.data.bookingId), ...known(paymentEvents).map((e) => e.event.data.bookingId)]),
  ];
  const allBookings: Map<string, BookingFacts> = await completed(bookings, touched, store.bookingDocuments.load);
  const allPayments: Map<string, PaymentFacts> = await completed(payments, touched, store.paymentDocuments.load);
  const byFlight = new Map<string, BookingRevenue[]>();
  for (const bookingId of touched) {
    const booking = allBookings.get(bookingId);
    if (booking?.flightId == null) continue;
    byFlight.set(booking.flightId, [
      ...(byFlight.get(booking.flightId) ?? []),
      bookingRevenueOf(bookingId, booking, allPayments.get(bookingId)),
    ]);
  }
  const revenue = await mergeIntoDocuments(store.flightRevenueDocuments, [...byFlight.keys()], (flightId, doc) =>
    withBookingRevenue(doc ?? initialFlightRevenue(flightId), byFlight.get(flightId) ?? []),
  );

  const scheduled = known(flightEvents).flatMap((e) => (e.event.type === 'FlightScheduled' ? [e.event.data.flightId] : []));
  const flightIds = [...new Set([...revenue.keys(), ...scheduled])];
  const allFlights: Map<string, FlightFacts> = await completed(flights, flightIds, store.flightDocuments.load);
  const allRevenue: Map<string, FlightRevenue> = await completed(revenue, flightIds, store.flightRevenueDocuments.load);
  const byRouteDay = new Map<string, { flight: FlightFacts; entries: FlightDayEntry[] }>();
  for (const flightId of flightIds) {
    const flight = allFlights.get(flightId);
    const routeDay = flight === undefined ? undefined : routeDayOf(flight);
    if (flight === undefined || routeDay === undefined) continue;
    const entry = flightDayEntryOf(flightId, allRevenue.get(flightId));
    byRouteDay.set(routeDay, { flight, entries: [...(byRouteDay.get(routeDay)?.entries ?? []), entry] });
  }
  await mergeIntoDocuments(store.routeDayDocuments, [...byRouteDay.keys()], (routeDay, doc) => {
    const found = byRouteDay.get(routeDay);
    return found === undefined ? doc : withFlightEntries(doc ?? initialRouteDayRevenue(found.flight), found.entries);
  });
};

/**
 * The consumer's batch handler: a batch is consecutive records of one partition of one topic; it applies them
 * (`applyRouteRevenueEvents`), then records the offset they reflect. Records at or below the reflected offset are
 * skipped, so replaying a topic into the same database changes nothing.
 */
export const createRouteRevenueProjector =
  (store: RouteRevenueStore) =>
  async (records: readonly ConsumedRecord<IncomingEvent | null>[]): Promise<void> => {
    const last = records.at(-1);
    if (last === undefined) return;
    const reflected = await store.reflectedOffset(last.topic, last.partition);
    const fresh = records.filter((record) => reflected === undefined || Number(record.offset) > reflected);
    if (fresh.length === 0) return;
    await applyRouteRevenueEvents(
      store,
      fresh.flatMap((record) => (record.event === undefined || record.event === null ? [] : [record.event])),
    );
    await store.recordOffset({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
  };
