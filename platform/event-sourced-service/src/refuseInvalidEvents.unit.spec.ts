import { ValidationError } from '@waggle/errors';
import { createInMemoryEventStore, type NewEvent } from '@waggle/event-store';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { describe, expect, it } from 'vitest';
import { refuseInvalidEvents } from './refuseInvalidEvents.ts';

// nothing here talks to the registry: validation uses the local schemas only
const serde = createAvroSerde({ registryUrl: 'http://127.0.0.1:1', schemas: loadSchemas() });
const metadata = { eventId: 'e1', correlationId: 'c1', causationId: 'c1', occurredAt: '2027-03-14T10:00:00.000Z' };
const event = (type: string, data: Record<string, unknown>): NewEvent => ({ type, data, metadata });
const requested = (overrides: Record<string, unknown> = {}) =>
  event('BookingRequested', {
    bookingId: 'b1',
    customerId: 'c1',
    flightId: 'LH400-2027-03-14',
    passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
    seats: 1,
    ...overrides,
  });
const given = () => {
  const inner = createInMemoryEventStore();
  return { inner, store: refuseInvalidEvents(inner, serde, (type) => `waggle.bookings.${type}`) };
};
const refusal = async (promise: Promise<unknown>): Promise<ValidationError> => {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
};

describe('refuseInvalidEvents', () => {
  describe('given events that match their schemas', () => {
    it('appends them', async () => {
      const { inner, store } = given();
      await store.append('b1', [requested(), event('BookingCancelled', { bookingId: 'b1', flightId: 'LH400-2027-03-14', reason: 'r' })], {
        expectedVersion: 0,
      });
      expect((await inner.readStream('b1')).version).toBe(2);
    });

    it('checks the JSON copy the store keeps, which is what the relay encodes', async () => {
      const { inner, store } = given();
      await store.append('b1', [requested({ customerId: { toJSON: () => 'c1' } })], { expectedVersion: 0 });
      expect((await inner.readStream('b1')).events[0]?.data.customerId).toBe('c1');
    });
  });

  describe('given a batch with an event that breaks its schema', () => {
    it('refuses the whole batch, naming each event type and field, and stores nothing', async () => {
      const { inner, store } = given();
      const error = await refusal(
        store.append('b1', [requested(), requested({ seats: 1.5, passengers: [{ firstName: 'Ada' }] })], { expectedVersion: 0 }),
      );
      expect(error.details).toEqual([
        { path: 'BookingRequested.passengers[0].lastName', message: 'missing, expected string' },
        { path: 'BookingRequested.seats', message: 'expected int, got 1.5' },
      ]);
      expect(error.message).toContain('BookingRequested.seats: expected int, got 1.5');
      expect((await inner.readStream('b1')).version).toBe(0);
      expect((await inner.readOutbox(0, 0, { limit: 10, orphanAfterMs: 0 })).batches).toEqual([]);
    });

    it('refuses a field its schema does not declare, which encoding would silently drop', async () => {
      const error = await refusal(given().store.append('b1', [requested({ seat: '12A' })], { expectedVersion: 0 }));
      expect(error.details).toEqual([{ path: 'BookingRequested.seat', message: 'not declared in waggle.bookings.BookingRequested' }]);
    });
  });

  describe('given an event type with no local schema', () => {
    it('refuses it', async () => {
      const error = await refusal(given().store.append('b1', [event('BookingTeleported', {})], { expectedVersion: 0 }));
      expect(error.details).toEqual([{ path: 'BookingTeleported', message: 'no local schema named waggle.bookings.BookingTeleported' }]);
    });
  });
});
