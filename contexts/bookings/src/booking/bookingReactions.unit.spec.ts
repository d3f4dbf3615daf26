import { randomUUID } from 'node:crypto';
import { isRetriable, ValidationError } from '@waggle/errors';
import type { IncomingEvent } from '@waggle/event-sourced-service';
import { createInMemoryEventStore, handleCommand, type EventStore } from '@waggle/event-store';
import { loadSchemas, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { beforeEach, describe, expect, it } from 'vitest';
import { bookingDecider } from './booking.ts';
import { bookingReactions } from './bookingReactions.ts';

// validation needs only the local schemas: nothing here talks to a registry
const serde = createAvroSerde({ registryUrl: 'http://127.0.0.1:9', schemas: loadSchemas() });
const flightId = 'LH400-2026-12-01';
const bookingId = 'bkg-1';

const incoming = (event: FlightsEvent | { type: string; data: Record<string, unknown> }, fullName = `waggle.flights.${event.type}`) => {
  const id = randomUUID();
  const delivered: IncomingEvent = {
    type: event.type,
    fullName,
    data: event.data,
    meta: {
      id,
      type: fullName,
      source: '/waggle/flights',
      time: '2026-11-25T10:00:00.000Z',
      subject: flightId,
      correlationId: id,
      causationId: id,
    },
    topic: 'flights.events',
    partition: 2,
    offset: '41',
  };
  return delivered;
};
const held = (id = bookingId) =>
  incoming({ type: 'SeatsHeld', data: { flightId, bookingId: id, seats: 1, holdId: `hold-${id}`, expiresAt: null } });
const released = (reason: string, id = bookingId) =>
  incoming({ type: 'SeatHoldReleased', data: { flightId, holdId: `hold-${id}`, bookingId: id, seats: 1, reason } });

let store: EventStore;
const reaction = () => bookingReactions({ store, serde }, { flightsTopic: 'flights.events' });
const bookingEvents = async (id = bookingId) => (await store.readStream(id)).events.map((e) => ({ type: e.type, data: e.data }));
const request = (id = bookingId) =>
  handleCommand(store, bookingDecider, {
    streamId: id,
    command: {
      type: 'RequestBooking',
      bookingId: id,
      customerId: 'ada',
      flightId,
      passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
    },
    metadata: { commandId: `request-${id}`, correlationId: 'c', occurredAt: '2026-11-25T09:59:00.000Z' },
  });

beforeEach(async () => {
  store = createInMemoryEventStore();
  await request();
});

const confirm = (id = bookingId) =>
  handleCommand(store, bookingDecider, {
    streamId: id,
    command: { type: 'ConfirmBooking', bookingId: id, holdId: `hold-${id}` },
    metadata: { commandId: `confirm-${id}`, correlationId: 'c', occurredAt: '2026-11-25T10:00:00.000Z' },
  });

describe("bookings' reactions to flights", () => {
  describe('given a requested booking (its saga holds and sells the seats)', () => {
    it('leaves it to the saga: held, refused or given back seats change nothing', async () => {
      await reaction().handle(held());
      await reaction().handle(
        incoming({
          type: 'SeatsUnavailable',
          data: { flightId, bookingId, seatsRequested: 1, seatsLeft: 0, reason: 'not enough seats left' },
        }),
      );
      await reaction().handle(released('released by book-flight'));
      expect((await bookingEvents()).map((e) => e.type)).toEqual(['BookingRequested']);
    });
  });

  describe('given a confirmed booking', () => {
    beforeEach(async () => {
      await confirm();
    });

    it('is cancelled with the reason when its flight is cancelled (its seats are given back), once', async () => {
      const event = released('flight cancelled: strike');
      await reaction().handle(event);
      await reaction().handle(event);
      expect((await bookingEvents()).slice(2)).toEqual([
        { type: 'BookingCancelled', data: { bookingId, flightId, reason: 'flight cancelled: strike' } },
      ]);
    });

    it('stays confirmed through the events that follow a confirmation: seats sold, the flight cancelled', async () => {
      await reaction().handle(incoming({ type: 'SeatsConfirmed', data: { flightId, holdId: `hold-${bookingId}`, bookingId, seats: 1 } }));
      await reaction().handle(incoming({ type: 'FlightCancelled', data: { flightId, reason: 'strike' } }));
      expect((await bookingEvents()).map((e) => e.type)).toEqual(['BookingRequested', 'BookingConfirmed']);
    });
  });

  describe('given a booking cancelled by its customer', () => {
    it('changes nothing when the cancellation saga gives its seats back', async () => {
      await confirm();
      await handleCommand(store, bookingDecider, {
        streamId: bookingId,
        command: { type: 'CancelBooking', bookingId, reason: 'changed plans', byCustomer: true },
        metadata: { commandId: 'cancel', correlationId: 'c', occurredAt: '2026-11-25T10:01:00.000Z' },
      });
      await reaction().handle(released('released by cancel-booking'));
      expect((await bookingEvents()).map((e) => e.type)).toEqual(['BookingRequested', 'BookingConfirmed', 'BookingCancelled']);
    });
  });

  describe('given a hold taken directly on flights, for no booking', () => {
    it('leaves bookings alone', async () => {
      await reaction().handle(held('direct-hold-1'));
      await reaction().handle(released('expired', 'direct-hold-1'));
      expect((await store.readStream('direct-hold-1')).version).toBe(0);
    });
  });

  describe('given a record that does not match its schema', () => {
    const cases: [string, IncomingEvent][] = [
      ['a missing bookingId', incoming({ type: 'SeatsHeld', data: { flightId, seats: 1, holdId: 'hold-x', expiresAt: null } })],
      [
        'a reason of another type',
        incoming({ type: 'SeatHoldReleased', data: { flightId, holdId: 'hold-x', bookingId, seats: 1, reason: 7 } }),
      ],
      ['another record of the same name', { ...held(), fullName: 'waggle.elsewhere.SeatsHeld' }],
    ];
    it.each(cases)('throws a non-retriable ValidationError for %s (dead-lettered) and changes nothing', async (_what, event) => {
      const error: unknown = await reaction()
        .handle(event)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(isRetriable(error)).toBe(false);
      expect((error as Error).message).toContain('flights.events/2/41');
      expect((await bookingEvents()).map((e) => e.type)).toEqual(['BookingRequested']);
      expect((await store.readStream('undefined')).version).toBe(0);
    });
  });
});
