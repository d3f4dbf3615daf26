import { randomUUID } from 'node:crypto';
import { VersionGapError } from '@waggle/errors';
import type { ConsumedRecord } from '@waggle/kafka-bus';
import type { BookingsEvent, FlightsEvent } from '@waggle/schemas';
import { openReadModelDatabase } from '@waggle/read-model';
import { uniqueName } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCustomerBookingsProjector, type IncomingEvent } from './createCustomerBookingsProjector.ts';
import { createMongoCustomerBookingsStore } from './mongoCustomerBookingsStore.ts';

const stack = inject('stack');
const database = openReadModelDatabase({ url: stack.mongoUrl, dbName: uniqueName('customer-bookings-projector') });
const store = createMongoCustomerBookingsStore(database.db);
const project = createCustomerBookingsProjector(store);
const flightId = 'LH400-2026-12-01';

/** One stream's events as the relay publishes them, version n at offset n - 1 of partition 0 of `topic`. */
const recordsOf = (
  topic: string,
  tagged: (projected: IncomingEvent['projected']) => IncomingEvent,
  events: readonly (BookingsEvent | FlightsEvent)[],
) =>
  events.map((event, index): ConsumedRecord<IncomingEvent> => ({
    topic,
    partition: 0,
    offset: String(index),
    key: null,
    value: null,
    headers: {},
    timestamp: Date.now(),
    event: tagged({
      event,
      eventId: randomUUID(),
      streamVersion: index + 1,
      occurredAt: new Date().toISOString(),
    } as IncomingEvent['projected']),
  }));
const fromBookings = (projected: IncomingEvent['projected']) => ({ from: 'bookings', projected }) as IncomingEvent;
const fromFlights = (projected: IncomingEvent['projected']) => ({ from: 'flights', projected }) as IncomingEvent;
const at = <T>(items: readonly T[], index: number): T[] => items.slice(index, index + 1);

beforeAll(async () => {
  await database.start();
  await store.start();
});
afterAll(() => database.stop());

describe('a requested booking', () => {
  it('refuses its version 3 while version 2 is missing, retriably, and is confirmed once version 2 comes', async () => {
    const bookingId = uniqueName('booking');
    const stream = recordsOf(uniqueName('bookings-events'), fromBookings, [
      {
        type: 'BookingRequested',
        data: { bookingId, customerId: 'customer-7', flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 },
      },
      { type: 'BookingConfirmed', data: { bookingId, flightId, holdId: 'h-1', seats: 1 } },
      { type: 'BookingCancelled', data: { bookingId, flightId, reason: 'changed plans' } },
    ]);
    await project(at(stream, 0));

    const refused = await project(at(stream, 2)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VersionGapError);
    expect(refused).toMatchObject({ retriable: true, streamId: bookingId, appliedVersion: 1, incomingVersion: 3 });
    expect(await store.findBooking(bookingId)).toMatchObject({ status: 'requested', version: 1 });

    await project(stream.slice(1));
    expect(await store.findBooking(bookingId)).toMatchObject({ status: 'cancelled', reason: 'changed plans', version: 3 });
  });
});

describe("a flight's summary", () => {
  it('counts the seat events it does not show, so the cancellation after them is the next version', async () => {
    const stream = recordsOf(uniqueName('flights-events'), fromFlights, [
      {
        type: 'FlightScheduled',
        data: {
          flightId,
          flightNumber: 'LH400',
          date: '2026-12-01',
          origin: 'FRA',
          destination: 'JFK',
          departureTime: '2026-12-01T10:30:00+01:00',
          capacity: 10,
          fareCents: 49_900,
          currency: 'EUR',
        },
      },
      { type: 'SeatsHeld', data: { flightId, bookingId: 'b-1', seats: 1, holdId: 'h-1', expiresAt: '2026-11-30T10:00:00Z' } },
      { type: 'FlightCancelled', data: { flightId, reason: 'strike' } },
    ]);
    for (const index of [0, 1, 2]) await project(at(stream, index));
    expect((await store.loadFlights([flightId])).get(flightId)).toMatchObject({ status: 'cancelled', version: 3 });
  });
});
