import type { RecordedEvent } from '@waggle/event-store';
import { openMongoEventStore } from '@waggle/event-store';
import type { ProjectedEvent, SkippedEvent, StoreSource } from '@waggle/read-model';
import {
  bookingsFullNames,
  checkinFullNames,
  flightsFullNames,
  paymentsFullNames,
  type BookingsEvent,
  type CheckinEvent,
  type FlightsEvent,
  type PaymentsEvent,
} from '@waggle/schemas';
import type { CustomerBookingsConfig } from './config.ts';
import type { IncomingEvent } from './createCustomerBookingsProjector.ts';

/** A stored event as the topic's decoder gives it: an event of a known type, or one that only counts its version. */
const toProjected = <E extends { type: string; data: unknown }>(
  event: RecordedEvent,
  fullNames: Readonly<Record<string, string>>,
): ProjectedEvent<E> | SkippedEvent => {
  const occurredAt = new Date(event.metadata.occurredAt).toISOString();
  const { eventId } = event.metadata;
  if (!(event.type in fullNames))
    return { skipped: event.type, streamId: event.streamId, eventId, streamVersion: event.version, occurredAt };
  // the topic's decoder gives plain data as Avro read it; the store keeps the data as the decider wrote it, the same JSON
  return { event: { type: event.type, data: event.data } as unknown as E, eventId, streamVersion: event.version, occurredAt };
};

/** The bookings, flights, payments and check-in event stores, for a rebuild from history the topics no longer hold (`--from-store`). */
export const customerBookingsSources = (config: CustomerBookingsConfig): Record<string, StoreSource<IncomingEvent>> => {
  const open = (database: string) => async () => {
    const opened = await openMongoEventStore({ url: config.mongoUrl, database, lanes: config.eventStoreLanes });
    return { store: opened.store, close: opened.close };
  };
  return {
    bookings: {
      open: open(config.bookingsStoreDb),
      toEvent: (event) => ({ from: 'bookings', projected: toProjected<BookingsEvent>(event, bookingsFullNames) }),
    },
    flights: {
      open: open(config.flightsStoreDb),
      toEvent: (event) => ({ from: 'flights', projected: toProjected<FlightsEvent>(event, flightsFullNames) }),
    },
    payments: {
      open: open(config.paymentsStoreDb),
      toEvent: (event) => ({ from: 'payments', projected: toProjected<PaymentsEvent>(event, paymentsFullNames) }),
    },
    'check-in': {
      open: open(config.checkInStoreDb),
      toEvent: (event) => ({ from: 'checkin', projected: toProjected<CheckinEvent>(event, checkinFullNames) }),
    },
  };
};
