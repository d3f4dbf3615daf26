import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, readTopicToEnd, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { ReplayStatus } from '@waggle/read-model';
import {
  bookingsFullNames,
  checkinFullNames,
  flightsFullNames,
  loadSchemas,
  paymentsFullNames,
  type BookingsEvent,
  type CheckinEvent,
  type FlightsEvent,
  type PaymentsEvent,
} from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startCustomerBookings, type CustomerBookingsService } from './customerBookingsService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const flightsTopic = uniqueName('flights-events');
const paymentsTopic = uniqueName('payments-events');
const checkInTopic = uniqueName('checkin-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'customer-bookings-replay-test', maxBatchRecords: 2000 });
const customers = Array.from({ length: 6 }, (_, i) => uniqueName(`customer-${i}`));
const flightIds = ['LH400-2026-12-01', 'LH402-2026-12-02'];
const versions = new Map<string, number>();
let service: CustomerBookingsService;
let booked = 0;

const recordOf = async (event: BookingsEvent | FlightsEvent | PaymentsEvent | CheckinEvent) => {
  // each on its context's topic, keyed by its stream: booking, flight, booking (payments), flight (check-in)
  const [topic, fullName, key] =
    event.type in bookingsFullNames
      ? [bookingsTopic, bookingsFullNames[event.type as BookingsEvent['type']], (event as BookingsEvent).data.bookingId]
      : event.type in paymentsFullNames
        ? [paymentsTopic, paymentsFullNames[event.type as PaymentsEvent['type']], (event as PaymentsEvent).data.bookingId]
        : event.type in checkinFullNames
          ? [checkInTopic, checkinFullNames[event.type as CheckinEvent['type']], (event as CheckinEvent).data.flightId]
          : [flightsTopic, flightsFullNames[event.type as FlightsEvent['type']], (event as FlightsEvent).data.flightId];
  const version = (versions.get(`${topic}|${key}`) ?? 0) + 1;
  versions.set(`${topic}|${key}`, version);
  const id = randomUUID();
  return {
    topic,
    key,
    value: await serde.encode(topic, fullName, event.data),
    headers: {
      ...toEventHeaders({
        id,
        type: fullName,
        source: '/test',
        time: new Date().toISOString(),
        subject: key,
        correlationId: id,
        causationId: id,
      }),
      [streamVersionHeader]: String(version),
    },
  };
};

/**
 * `count` new bookings, spread over the customers; every third is rejected, the others confirmed. With `paid`, each
 * with its payment (voided when rejected, captured when confirmed) and a confirmed one with its check-in opened.
 */
const book = async (count: number, paid = false): Promise<void> => {
  const events: (BookingsEvent | PaymentsEvent | CheckinEvent)[] = [];
  for (let i = 0; i < count; i++, booked++) {
    const bookingId = `b-${booked}-${randomUUID().slice(0, 8)}`;
    const flightId = flightIds[booked % 2]!;
    const customerId = customers[booked % customers.length]!;
    events.push({
      type: 'BookingRequested',
      data: { bookingId, customerId, flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 },
    });
    events.push(
      booked % 3 === 0
        ? { type: 'BookingRejected', data: { bookingId, flightId, reason: 'no seats left' } }
        : { type: 'BookingConfirmed', data: { bookingId, flightId, holdId: `h-${bookingId}`, seats: 1 } },
    );
    if (!paid) continue;
    const money = { paymentId: `p-${bookingId}`, bookingId, amountCents: 49_900, currency: 'EUR' };
    events.push({ type: 'PaymentAuthorized', data: { ...money, customerId } });
    if (booked % 3 === 0) events.push({ type: 'PaymentRefunded', data: { ...money, reason: 'booking rejected', voided: true } });
    else {
      events.push({ type: 'PaymentCaptured', data: money });
      events.push({ type: 'CheckInOpened', data: { bookingId, flightId, closesAt: null, passengers: ['Ada Lovelace'] } });
    }
  }
  await producer.send(await Promise.all(events.map(recordOf)));
};

/** Each customer's bookings and their status, from the bookings topic alone. */
const oracleFromTopic = async (): Promise<Map<string, Map<string, string>>> => {
  const byCustomer = new Map<string, Map<string, string>>();
  const customerOf = new Map<string, string>();
  for (const record of await readTopicToEnd(stack.kafkaBrokers, bookingsTopic, { timeoutMs: 60_000 })) {
    const { fullName, data } = (await serde.decode(record.value!)) as { fullName: string; data: Record<string, string> };
    const bookingId = data['bookingId']!;
    if (fullName === bookingsFullNames.BookingRequested) customerOf.set(bookingId, data['customerId']!);
    const customerId = customerOf.get(bookingId)!;
    const statuses = byCustomer.get(customerId) ?? new Map<string, string>();
    byCustomer.set(customerId, statuses);
    const status =
      { [bookingsFullNames.BookingConfirmed]: 'confirmed', [bookingsFullNames.BookingRejected]: 'rejected' }[fullName] ?? 'requested';
    if (status !== 'requested' || !statuses.has(bookingId)) statuses.set(bookingId, status);
  }
  return byCustomer;
};

const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
type Item = { bookingId: string; status: string; requestedAt: string; origin: string | null };
const listOf = async (customerId: string): Promise<{ status: number; items: Item[] }> => {
  const { status, body } = await call('GET', `/api/v1/customers/${customerId}/bookings?limit=100`);
  return { status, items: (body['items'] as Item[] | undefined) ?? [] };
};
/** Every booking of a customer, page after page (a slow rebuild under load lets a customer pass 100 bookings). */
const allOf = async (customerId: string): Promise<Item[]> => {
  const items: Item[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const { body } = await call('GET', `/api/v1/customers/${customerId}/bookings?limit=100${cursor === '' ? '' : `&cursor=${cursor}`}`);
    items.push(...((body['items'] as Item[] | undefined) ?? []));
    cursor = (body['nextCursor'] as string | null | undefined) ?? null;
  }
  return items;
};
const served = async (): Promise<Map<string, Map<string, string>>> =>
  new Map(
    await Promise.all(
      customers.map(async (c) => [c, new Map((await allOf(c)).map((i) => [i.bookingId, i.status]))] as [string, Map<string, string>]),
    ),
  );
const same = (a: Map<string, Map<string, string>>, b: Map<string, Map<string, string>>) =>
  JSON.stringify([...a].map(([c, m]) => [c, [...m].sort()]).sort()) === JSON.stringify([...b].map(([c, m]) => [c, [...m].sort()]).sort());

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [
    { topic: bookingsTopic, partitions: 3 },
    { topic: flightsTopic, partitions: 3 },
    { topic: paymentsTopic, partitions: 3 },
    { topic: checkInTopic, partitions: 3 },
  ]);
  await producer.start();
  await producer.send(
    await Promise.all(
      flightIds.map((flightId) =>
        recordOf({
          type: 'FlightScheduled',
          data: {
            flightId,
            flightNumber: flightId.slice(0, 5),
            date: flightId.slice(-10),
            origin: 'FRA',
            destination: 'JFK',
            departureTime: `${flightId.slice(-10)}T10:30:00+01:00`,
            capacity: 500,
            fareCents: 49_900,
            currency: 'EUR',
          },
        }),
      ),
    ),
  );
  await book(120, true);
  service = await startCustomerBookings(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('customer-bookings-replay'),
      PORT: '0',
      GROUP_ID: uniqueName('customer-bookings-replay'),
      BOOKINGS_TOPIC: bookingsTopic,
      FLIGHTS_TOPIC: flightsTopic,
      PAYMENTS_TOPIC: paymentsTopic,
      CHECKIN_TOPIC: checkInTopic,
    }),
    createLogger({ service: 'customer-bookings-replay-test', level: 'silent' }),
  );
  const oracle = await oracleFromTopic();
  await waitFor(async () => same(await served(), oracle), { description: 'version 1 to list every booking', timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await producer.stop();
});

describe('customer-bookings rebuilt while bookings are made', () => {
  it('never fails a query, switches with both versions equal, and lists every booking once, as the topic says', async () => {
    let loading = true;
    const load = (async () => {
      while (loading) {
        await book(6);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const failures: string[] = [];
    let queries = 0;
    let querying = true;
    const reader = (async () => {
      while (querying) {
        const { status, items } = await listOf(customers[queries % customers.length]!);
        queries++;
        const ids = items.map((i) => i.bookingId);
        if (status !== 200) failures.push(`answered ${status}`);
        if (new Set(ids).size !== ids.length) failures.push(`a booking listed twice: ${ids.join(',')}`);
        if (items.some((i) => i.origin !== 'FRA')) failures.push('a booking without its flight');
        const times = items.map((i) => i.requestedAt);
        if (times.some((t, i) => i > 0 && t > times[i - 1]!)) failures.push('not newest first');
      }
    })();

    expect((await call('POST', '/api/v1/replays', { requireEqual: true })).status).toBe(202);
    let replay: unknown;
    await waitFor(
      async () => {
        replay = (await call('GET', '/api/v1/replays')).body;
        return (replay as ReplayStatus).pointer.version === 2;
      },
      { description: 'the switch to version 2', timeoutMs: 120_000 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; replay status ${JSON.stringify(replay)}`, { cause: error });
    });
    loading = false;
    await load;

    const oracle = await oracleFromTopic();
    let listed = new Map<string, Map<string, string>>();
    await waitFor(
      async () => {
        listed = await served();
        return same(listed, oracle);
      },
      { description: 'version 2 to list what the topic says', timeoutMs: 60_000 },
    ).catch(async (error: unknown) => {
      const missing = [...oracle].flatMap(([c, m]) =>
        [...m].filter(([b, st]) => listed.get(c)?.get(b) !== st).map(([b, st]) => `${b}:${st}/${listed.get(c)?.get(b) ?? '-'}`),
      );
      const status = (await call('GET', '/status')).body;
      throw new Error(
        `${(error as Error).message}; differing ${missing.slice(0, 10).join(' ')} (${missing.length}); status ${JSON.stringify(status)}`,
        { cause: error },
      );
    });
    querying = false;
    await reader;
    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(10);
    expect([...oracle.values()].reduce((sum, m) => sum + m.size, 0)).toBe(booked);

    const v2 = ((await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus).versions.find((v) => v.version === 2);
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true });
    expect(v2?.verification?.collections.map((c) => c.collection)).toEqual(['bookings', 'flights', 'customers', 'payments', 'checkins']);
    for (const collection of ['payments', 'checkins']) {
      const compared = v2?.verification?.collections.find((c) => c.collection === collection);
      expect(compared?.serving, collection).toBeGreaterThan(0);
      expect(compared, collection).toMatchObject({ candidate: compared?.serving, differingParts: 0 });
    }
    expect(v2?.verification?.collections.find((c) => c.collection === 'customers')).toMatchObject({
      serving: 6,
      candidate: 6,
      differingParts: 0,
    });
  }, 240_000);
});
