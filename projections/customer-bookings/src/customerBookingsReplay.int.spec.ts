import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, readTopicToEnd, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { ReplayStatus } from '@waggle/read-model';
import { bookingsFullNames, flightsFullNames, loadSchemas, type BookingsEvent, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startCustomerBookings, type CustomerBookingsService } from './customerBookingsService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const flightsTopic = uniqueName('flights-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'customer-bookings-replay-test', maxBatchRecords: 2000 });
const customers = Array.from({ length: 6 }, (_, i) => uniqueName(`customer-${i}`));
const flightIds = ['LH400-2026-12-01', 'LH402-2026-12-02'];
const versions = new Map<string, number>();
let service: CustomerBookingsService;
let booked = 0;

const recordOf = async (event: BookingsEvent | FlightsEvent) => {
  const isBooking = event.type in bookingsFullNames;
  const topic = isBooking ? bookingsTopic : flightsTopic;
  const fullName = isBooking
    ? bookingsFullNames[event.type as BookingsEvent['type']]
    : flightsFullNames[event.type as FlightsEvent['type']];
  const key = isBooking && 'bookingId' in event.data ? event.data.bookingId : event.data.flightId;
  const version = (versions.get(key) ?? 0) + 1;
  versions.set(key, version);
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

/** `count` new bookings, spread over the customers; every third is rejected, the others confirmed. */
const book = async (count: number): Promise<void> => {
  const events: BookingsEvent[] = [];
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
const served = async (): Promise<Map<string, Map<string, string>>> =>
  new Map(
    await Promise.all(
      customers.map(
        async (c) => [c, new Map((await listOf(c)).items.map((i) => [i.bookingId, i.status]))] as [string, Map<string, string>],
      ),
    ),
  );
const same = (a: Map<string, Map<string, string>>, b: Map<string, Map<string, string>>) =>
  JSON.stringify([...a].map(([c, m]) => [c, [...m].sort()]).sort()) === JSON.stringify([...b].map(([c, m]) => [c, [...m].sort()]).sort());

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [
    { topic: bookingsTopic, partitions: 3 },
    { topic: flightsTopic, partitions: 3 },
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
  await book(120);
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
    await waitFor(async () => ((await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus).pointer.version === 2, {
      description: 'the switch to version 2',
      timeoutMs: 120_000,
    });
    loading = false;
    await load;

    const oracle = await oracleFromTopic();
    await waitFor(async () => same(await served(), oracle), { description: 'version 2 to list what the topic says', timeoutMs: 60_000 });
    querying = false;
    await reader;
    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(10);
    expect([...oracle.values()].reduce((sum, m) => sum + m.size, 0)).toBe(booked);

    const v2 = ((await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus).versions.find((v) => v.version === 2);
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true });
    expect(v2?.verification?.collections.map((c) => c.collection)).toEqual(['bookings', 'flights', 'customers']);
    expect(v2?.verification?.collections.find((c) => c.collection === 'customers')).toMatchObject({
      serving: 6,
      candidate: 6,
      differingParts: 0,
    });
  }, 240_000);
});
