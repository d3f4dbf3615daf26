import { randomUUID } from 'node:crypto';
import { isRetriable, ValidationError } from '@waggle/errors';
import type { IncomingEvent } from '@waggle/event-sourced-service';
import { createInMemoryEventStore, handleCommand, type EventStore } from '@waggle/event-store';
import { loadSchemas, type BookingsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { beforeEach, describe, expect, it } from 'vitest';
import { flightDecider } from './flight.ts';
import { flightReactions } from './flightReactions.ts';

// validation needs only the local schemas: nothing here talks to a registry
const serde = createAvroSerde({ registryUrl: 'http://127.0.0.1:9', schemas: loadSchemas() });
const flightId = 'LH400-2026-12-01';

const incoming = (event: BookingsEvent | { type: string; data: Record<string, unknown> }, fullName = `waggle.bookings.${event.type}`) => {
  const id = randomUUID();
  const delivered: IncomingEvent = {
    type: event.type,
    fullName,
    data: event.data,
    meta: {
      id,
      type: fullName,
      source: '/waggle/bookings',
      time: '2026-11-25T10:00:00.000Z',
      subject: 'b1',
      correlationId: id,
      causationId: id,
    },
    topic: 'bookings.events',
    partition: 0,
    offset: '7',
  };
  return delivered;
};
const requested = incoming({
  type: 'BookingRequested',
  data: { bookingId: 'b1', customerId: 'c1', flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 },
});
const confirmed = incoming({ type: 'BookingConfirmed', data: { bookingId: 'b1', flightId, holdId: 'hold-b1', seats: 1 } });
const cancelled = incoming({ type: 'BookingCancelled', data: { bookingId: 'b1', flightId, reason: 'changed plans' } });

let store: EventStore;
let appended: number;
const reaction = () => flightReactions({ store, serde, appended: () => void appended++ }, { bookingsTopic: 'bookings.events' });
const flightEvents = async () => (await store.readStream(flightId)).events.map((e) => ({ type: e.type, data: e.data }));

beforeEach(async () => {
  store = createInMemoryEventStore();
  appended = 0;
  await handleCommand(store, flightDecider, {
    streamId: flightId,
    command: {
      type: 'ScheduleFlight',
      flightId,
      flightNumber: 'LH400',
      date: '2026-12-01',
      origin: 'FRA',
      destination: 'JFK',
      departureTime: '2026-12-01T10:00:00+01:00',
      capacity: 2,
      fareCents: 45_000,
      currency: 'EUR',
    },
    metadata: { commandId: 'schedule', correlationId: 'c', occurredAt: '2026-11-01T00:00:00.000Z' },
  });
});

describe("flights' reactions to bookings", () => {
  describe('given a scheduled flight', () => {
    it('holds seats for a booking request, without a deadline, and wakes the relay', async () => {
      await reaction().handle(requested);
      expect((await flightEvents()).at(-1)).toEqual({
        type: 'SeatsHeld',
        data: { flightId, bookingId: 'b1', seats: 1, holdId: 'hold-b1', expiresAt: null },
      });
      expect(appended).toBe(1);
    });

    it('holds once when the request is redelivered, and once when the same request comes as another event', async () => {
      await reaction().handle(requested);
      await reaction().handle(requested);
      await reaction().handle({ ...requested, meta: { ...requested.meta, id: randomUUID() } });
      expect((await flightEvents()).filter((e) => e.type === 'SeatsHeld')).toHaveLength(1);
    });

    it('ignores event types it does not know (a newer bookings may publish more)', async () => {
      await reaction().handle(incoming({ type: 'BookingRebooked', data: { bookingId: 'b1' } }));
      expect(await flightEvents()).toHaveLength(1);
    });
  });

  describe('given a held booking', () => {
    beforeEach(async () => {
      await reaction().handle(requested);
    });

    it('sells the seats when the booking is confirmed, once however often that is delivered', async () => {
      await reaction().handle(confirmed);
      await reaction().handle(confirmed);
      expect((await flightEvents()).filter((e) => e.type === 'SeatsConfirmed')).toEqual([
        { type: 'SeatsConfirmed', data: { flightId, holdId: 'hold-b1', bookingId: 'b1', seats: 1 } },
      ]);
    });

    it('gives the seats back when the confirmed booking is cancelled, once', async () => {
      await reaction().handle(confirmed);
      await reaction().handle(cancelled);
      await reaction().handle(cancelled);
      expect((await flightEvents()).filter((e) => e.type === 'SeatHoldReleased')).toEqual([
        { type: 'SeatHoldReleased', data: { flightId, holdId: 'hold-b1', bookingId: 'b1', seats: 1, reason: 'booking cancelled' } },
      ]);
    });
  });

  describe('given a record that does not match its schema', () => {
    const cases: [string, IncomingEvent][] = [
      ['a missing flightId', incoming({ type: 'BookingConfirmed', data: { bookingId: 'b1', holdId: 'hold-b1', seats: 1 } })],
      ['seats of another type', incoming({ type: 'BookingConfirmed', data: { bookingId: 'b1', flightId, holdId: 'hold-b1', seats: '1' } })],
      ['another record of the same name', { ...confirmed, fullName: 'waggle.elsewhere.BookingConfirmed' }],
    ];
    it.each(cases)('throws a non-retriable ValidationError for %s (dead-lettered) and changes nothing', async (_what, event) => {
      const before = await flightEvents();
      const error: unknown = await reaction()
        .handle(event)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(isRetriable(error)).toBe(false);
      expect((error as Error).message).toContain('bookings.events/0/7');
      expect(await flightEvents()).toEqual(before);
      expect((await store.readStream('undefined')).version).toBe(0);
    });
  });
});
