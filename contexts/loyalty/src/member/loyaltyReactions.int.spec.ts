import { randomUUID } from 'node:crypto';
import type { RunningService } from '@waggle/event-sourced-service';
import { createProducer, createTopics, describeGroupOffsets, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { bookingsFullNames, loadSchemas, type BookingsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startLoyalty } from '../loyaltyService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const loyaltyTopic = uniqueName('loyalty-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'loyalty-test' });
let service: RunningService;
const versions = new Map<string, number>();
type Sent = { eventId: string; version: number };

/** Produces a bookings event as the bookings relay does (next stream version), or the same record again. */
const produce = async (event: BookingsEvent, again?: Sent): Promise<Sent> => {
  const key = event.data.bookingId;
  const version = again?.version ?? (versions.get(key) ?? 0) + 1;
  if (again === undefined) versions.set(key, version);
  const eventId = again?.eventId ?? randomUUID();
  const fullName = bookingsFullNames[event.type];
  await producer.send([
    {
      topic: bookingsTopic,
      key,
      value: await serde.encode(bookingsTopic, fullName, event.data),
      headers: {
        ...toEventHeaders({
          id: eventId,
          type: fullName,
          source: '/waggle/bookings',
          time: new Date().toISOString(),
          subject: key,
          correlationId: eventId,
          causationId: eventId,
        }),
        [streamVersionHeader]: String(version),
      },
    },
  ]);
  return { eventId, version };
};

const flightId = 'LH400-2026-12-01';
const request = (bookingId: string, memberId: string, seats: number) =>
  produce({
    type: 'BookingRequested',
    data: {
      bookingId,
      customerId: memberId,
      flightId,
      passengers: Array.from({ length: seats }, (_, i) => ({ firstName: 'Ada', lastName: `Lovelace${i}` })),
      seats,
    },
  });
const confirm = (bookingId: string, seats: number, again?: Sent) =>
  produce({ type: 'BookingConfirmed', data: { bookingId, flightId, holdId: `hold-${bookingId}`, seats } }, again);
const cancel = (bookingId: string, again?: Sent) =>
  produce({ type: 'BookingCancelled', data: { bookingId, flightId, reason: 'plans changed' } }, again);

const eventsOf = async (memberId: string) =>
  (await service.deps.store.readStream(memberId)).events.map((e): Record<string, unknown> => ({ type: e.type, ...e.data }));
/**
 * Waits until the reaction committed every record produced so far: order is kept per booking only (the bookings of
 * one partition are handled side by side), so a later booking's points showing says nothing of an earlier booking's.
 */
const handledAll = () =>
  waitFor(
    async () =>
      (await describeGroupOffsets(stack.kafkaBrokers, `${loyaltyTopic}.booking-reactions`, { topics: [bookingsTopic] })).partitions.every(
        (p) => p.lag === 0,
      ),
    { description: 'the reaction handled every bookings record' },
  );
/** A member's events, booking by booking (in the order each booking's came). */
const byBooking = (events: Record<string, unknown>[]) =>
  [...events].sort((a, b) => String(a['bookingId']).localeCompare(String(b['bookingId'])));
const account = async (memberId: string) => {
  const response = await fetch(`${service.url}/api/v1/accounts/${memberId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic: bookingsTopic, partitions: 1 }]);
  await producer.start();
  service = await startLoyalty(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('loyalty'),
      PORT: '0',
      LOYALTY_TOPIC: loyaltyTopic,
      BOOKINGS_TOPIC: bookingsTopic,
      LOYALTY_POINTS_PER_SEAT: '250',
    }),
    createLogger({ service: 'loyalty-test', level: 'silent' }),
  );
});
afterAll(async () => {
  await service?.stop();
  await producer.stop();
});

describe('loyalty reacting to bookings on the real stack', () => {
  describe('given a confirmed booking whose confirmation is delivered twice, and once more under another event id', () => {
    it('earns the points once, per seat', async () => {
      const memberId = uniqueName('member');
      await request('b-1', memberId, 3);
      const confirmed = await confirm('b-1', 3);
      await confirm('b-1', 3, confirmed);
      await confirm('b-1', 3);
      // a second booking of the member after the duplicates: once its points show, the duplicates were handled
      await request('b-2', memberId, 1);
      await confirm('b-2', 1);
      await handledAll();

      expect(byBooking(await eventsOf(memberId))).toEqual([
        { type: 'PointsEarned', memberId, bookingId: 'b-1', points: 750, reason: 'booking b-1 confirmed: 3 seat(s) × 250 points' },
        { type: 'PointsEarned', memberId, bookingId: 'b-2', points: 250, reason: 'booking b-2 confirmed: 1 seat(s) × 250 points' },
      ]);
      expect((await account(memberId)).body).toMatchObject({ memberId, points: 1000 });
    });
  });

  describe('given a confirmed booking that is cancelled, the cancellation delivered twice', () => {
    it('reverses its points once', async () => {
      const memberId = uniqueName('member');
      await request('b-3', memberId, 2);
      await confirm('b-3', 2);
      const cancelled = await cancel('b-3');
      await cancel('b-3', cancelled);
      await request('b-4', memberId, 1);
      await confirm('b-4', 1);
      await handledAll();

      expect(byBooking(await eventsOf(memberId)).map((e) => [e['type'], e['bookingId'], e['points']])).toEqual([
        ['PointsEarned', 'b-3', 500],
        ['PointsReversed', 'b-3', 500],
        ['PointsEarned', 'b-4', 250],
      ]);
      const { body } = await account(memberId);
      expect(body).toMatchObject({ points: 250 });
      expect(byBooking(body['bookings'] as Record<string, unknown>[])).toEqual([
        { bookingId: 'b-3', points: 500, reversed: true },
        { bookingId: 'b-4', points: 250, reversed: false },
      ]);
    });
  });

  describe('given a booking cancelled without ever being confirmed', () => {
    it('reverses nothing, and the account does not exist until something is earned', async () => {
      const memberId = uniqueName('member');
      await request('b-5', memberId, 2);
      await cancel('b-5');
      await handledAll();

      expect(await eventsOf(memberId)).toEqual([]);
      const missing = await account(memberId);
      expect(missing.status).toBe(404);
    });
  });
});
