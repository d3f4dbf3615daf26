import { randomUUID } from 'node:crypto';
import {
  createProducer,
  createTopics,
  describeGroupOffsets,
  readDeadLetterHeaders,
  readTopicToEnd,
  toEventHeaders,
} from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { ReplayStatus } from '@waggle/read-model';
import {
  bookingsFullNames,
  flightsFullNames,
  loadSchemas,
  paymentsFullNames,
  type BookingsEvent,
  type FlightsEvent,
  type PaymentsEvent,
} from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { routeRevenueCollections } from './mongoRouteRevenueStore.ts';
import { startRouteRevenue, type RouteRevenueService } from './routeRevenueService.ts';

const stack = inject('stack');
const topics = { flights: uniqueName('flights-events'), bookings: uniqueName('bookings-events'), payments: uniqueName('payments-events') };
const groupId = uniqueName('route-revenue-daily');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'route-revenue-daily-test' });
const versions = new Map<string, number>();
let service: RouteRevenueService;
const mongoDb = uniqueName('route-revenue-daily');
const mongo = new MongoClient(stack.mongoUrl);
const config = loadConfig({
  KAFKA_BROKERS: stack.kafkaBrokers,
  SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
  MONGO_URL: stack.mongoUrl,
  MONGO_DB: mongoDb,
  PORT: '0',
  GROUP_ID: groupId,
  FLIGHTS_TOPIC: topics.flights,
  BOOKINGS_TOPIC: topics.bookings,
  PAYMENTS_TOPIC: topics.payments,
});
const logger = createLogger({ service: 'route-revenue-daily-test', level: 'silent' });

type AnyEvent = FlightsEvent | BookingsEvent | PaymentsEvent;
type Sent = { readonly topic: string; readonly key: string; readonly value: Buffer; readonly headers: Record<string, string> };

/** An event as its context's relay publishes it: on its topic, keyed by its stream, with the stream's next version. */
const recordOf = async (event: AnyEvent): Promise<Sent> => {
  const [from, fullName, key] =
    event.type in paymentsFullNames
      ? (['payments', paymentsFullNames[event.type as PaymentsEvent['type']], (event as PaymentsEvent).data.bookingId] as const)
      : event.type in bookingsFullNames
        ? (['bookings', bookingsFullNames[event.type as BookingsEvent['type']], (event as BookingsEvent).data.bookingId] as const)
        : (['flights', flightsFullNames[event.type as FlightsEvent['type']], (event as FlightsEvent).data.flightId] as const);
  const topic = topics[from];
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
        source: `/waggle/${from}`,
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
 * One route's script: three flights on two days, and bookings confirmed, cancelled with a refund, paid in another
 * currency, rejected after a voided authorization, and declined. By topic, each in its stream order.
 */
const routeScript = (origin: string, destination: string) => {
  const tag = uniqueName(origin).replace(/[^A-Za-z0-9]/g, '');
  const flight = (number: string, date: string): FlightsEvent => ({
    type: 'FlightScheduled',
    data: {
      flightId: `${tag}${number}-${date}`,
      flightNumber: `${tag}${number}`,
      date,
      origin,
      destination,
      departureTime: `${date}T10:30:00+01:00`,
      capacity: 100,
      fareCents: 49_900,
      currency: 'EUR',
    },
  });
  const flights = [flight('1', '2026-12-01'), flight('2', '2026-12-01'), flight('1', '2026-12-02')];
  const [f1, f2, f3] = flights.map((f) => f.data.flightId) as [string, string, string];
  const bookings: BookingsEvent[] = [];
  const payments: PaymentsEvent[] = [];
  const book = (n: number, flightId: string, seats: number, outcome: 'confirmed' | 'cancelled' | 'rejected') => {
    const bookingId = `${tag}-b${n}`;
    bookings.push({ type: 'BookingRequested', data: { bookingId, customerId: 'c-1', flightId, passengers: [], seats } });
    if (outcome === 'rejected') bookings.push({ type: 'BookingRejected', data: { bookingId, flightId, reason: 'payment declined' } });
    else bookings.push({ type: 'BookingConfirmed', data: { bookingId, flightId, holdId: `h-${n}`, seats } });
    if (outcome === 'cancelled') bookings.push({ type: 'BookingCancelled', data: { bookingId, flightId, reason: 'changed plans' } });
    return bookingId;
  };
  const pay = (bookingId: string, amountCents: number, currency: string, then: 'captured' | 'refunded' | 'voided' | 'declined') => {
    const money = { paymentId: `p-${bookingId}`, bookingId, amountCents, currency };
    if (then === 'declined') {
      payments.push({ type: 'PaymentDeclined', data: { ...money, reason: 'card declined', customerId: 'c-1' } });
      return;
    }
    payments.push({ type: 'PaymentAuthorized', data: { ...money, customerId: 'c-1' } });
    if (then === 'voided') payments.push({ type: 'PaymentRefunded', data: { ...money, reason: 'booking rejected', voided: true } });
    else payments.push({ type: 'PaymentCaptured', data: money });
    if (then === 'refunded') payments.push({ type: 'PaymentRefunded', data: { ...money, reason: 'booking cancelled', voided: false } });
  };
  pay(book(1, f1, 2, 'confirmed'), 99_800, 'EUR', 'captured');
  pay(book(2, f1, 1, 'cancelled'), 49_900, 'EUR', 'refunded');
  pay(book(3, f2, 3, 'confirmed'), 30_000, 'USD', 'captured');
  pay(book(4, f2, 1, 'rejected'), 10_000, 'EUR', 'voided');
  pay(book(5, f2, 1, 'rejected'), 10_000, 'EUR', 'declined');
  pay(book(6, f3, 1, 'confirmed'), 49_900, 'EUR', 'captured');
  return { origin, destination, flights, bookings, payments };
};

const revenue = (currency: string, capturedCents: number, refundedCents: number, refunds: number) => ({
  currency,
  capturedCents,
  refundedCents,
  netCents: capturedCents - refundedCents,
  refunds,
});
/** What every route script gives, worked out by hand. */
const expectedFigures = (origin: string, destination: string) => ({
  origin,
  destination,
  from: '2026-11-30',
  to: '2026-12-03',
  days: [
    {
      date: '2026-12-01',
      flights: 2,
      bookingsConfirmed: 3,
      seatsSold: 5,
      cancellations: 1,
      seatsCancelled: 1,
      revenue: [revenue('EUR', 149_700, 49_900, 1), revenue('USD', 30_000, 0, 0)],
    },
    {
      date: '2026-12-02',
      flights: 1,
      bookingsConfirmed: 1,
      seatsSold: 1,
      cancellations: 0,
      seatsCancelled: 0,
      revenue: [revenue('EUR', 49_900, 0, 0)],
    },
  ],
  totals: {
    bookingsConfirmed: 4,
    seatsSold: 6,
    cancellations: 1,
    seatsCancelled: 1,
    revenue: [revenue('EUR', 199_600, 49_900, 1), revenue('USD', 30_000, 0, 0)],
  },
});

const get = async (path: string) => {
  const response = await fetch(`${service.url}${path}`);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};
const figuresOf = async (origin: string, destination: string) =>
  (await get(`/api/v1/routes/${origin}-${destination}/revenue?from=2026-11-30&to=2026-12-03`)).body;
const waitForFigures = async (origin: string, destination: string, expected: unknown) => {
  let seen: unknown;
  await waitFor(
    async () => {
      seen = await figuresOf(origin, destination);
      return JSON.stringify(seen) === JSON.stringify(expected);
    },
    { description: `${origin}-${destination} to show the expected figures`, timeoutMs: 30_000 },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(seen)}`, { cause: error });
  });
};
/** Every record of `only` (default: the three topics) handled or dead-lettered by the serving group. */
const settled = (group: string, only: readonly string[] = Object.values(topics)) =>
  waitFor(
    async () => {
      const offsets = await describeGroupOffsets(stack.kafkaBrokers, group, { topics: only });
      return offsets.partitions.length > 0 && offsets.partitions.every((p) => p.lag === 0 && (p.high === '0' || BigInt(p.committed) >= 0n));
    },
    { description: `group ${group} to have handled every record of ${only.join(', ')}`, timeoutMs: 30_000 },
  );
const send = async (events: readonly AnyEvent[]) => {
  const records = await Promise.all(events.map(recordOf));
  await producer.send(records);
  return records;
};

beforeAll(async () => {
  await createTopics(
    stack.kafkaBrokers,
    Object.values(topics).map((topic) => ({ topic, partitions: 3 })),
  );
  await Promise.all([producer.start(), mongo.connect()]);
  service = await startRouteRevenue(config, logger);
});

afterAll(async () => {
  await service.stop();
  await producer.stop();
  await mongo.close();
});

describe('route-revenue-daily on the real stack', () => {
  const inOrder = routeScript('FRA', 'JFK');
  let sentInOrder: Sent[] = [];

  it('gives each day of a route its bookings, seats, cancellations and revenue by currency after a scripted sequence', async () => {
    sentInOrder = [...(await send(inOrder.flights)), ...(await send(inOrder.bookings)), ...(await send(inOrder.payments))];
    await waitForFigures('FRA', 'JFK', expectedFigures('FRA', 'JFK'));
    // another route and days outside the range are not counted
    expect(await figuresOf('FRA', 'LHR')).toMatchObject({ days: [], totals: { bookingsConfirmed: 0, revenue: [] } });
    expect((await get('/api/v1/routes/FRA-JFK/revenue?from=2026-12-02&to=2026-12-02')).body).toMatchObject({
      days: [{ date: '2026-12-02' }],
      totals: { bookingsConfirmed: 1, seatsSold: 1 },
    });
  });

  it('gives the same figures when payments arrive before their bookings, and bookings before their flights', async () => {
    const reversed = routeScript('CDG', 'JFK');
    await send(reversed.payments);
    await settled(groupId, [topics.payments]);
    expect(await figuresOf('CDG', 'JFK')).toMatchObject({ days: [], totals: { bookingsConfirmed: 0 } });
    await send(reversed.bookings);
    await settled(groupId, [topics.bookings]);
    // every booking known, and its payment folded in, but no route yet: nothing counts for CDG-JFK
    expect(await figuresOf('CDG', 'JFK')).toMatchObject({ days: [], totals: { bookingsConfirmed: 0 } });
    await send(reversed.flights);
    await waitForFigures('CDG', 'JFK', expectedFigures('CDG', 'JFK'));
  });

  it('gives the same figures when every record is delivered twice', async () => {
    await producer.send(sentInOrder);
    await settled(groupId);
    expect(await figuresOf('FRA', 'JFK')).toEqual(expectedFigures('FRA', 'JFK'));
  });

  it('dead-letters a poison record with its bytes and keeps the partitions flowing', async () => {
    const poison = Buffer.from('not avro at all');
    const poisonKey = uniqueName('poison');
    await producer.send([{ topic: topics.payments, key: poisonKey, value: poison, headers: {} }]);
    const after = routeScript('ZRH', 'JFK');
    await send([...after.payments, ...after.flights, ...after.bookings]);
    await waitForFigures('ZRH', 'JFK', expectedFigures('ZRH', 'JFK'));
    const dead = await waitFor(
      async () => (await readTopicToEnd(stack.kafkaBrokers, `${topics.payments}.dlq`)).find((r) => r.key?.toString() === poisonKey),
      { description: 'the poison record on the dead-letter topic' },
    );
    expect(dead.value).toEqual(poison);
    expect(readDeadLetterHeaders(dead.headers)).toMatchObject({ originalTopic: topics.payments });
  });

  it('answers 400 with problem details for a bad route or range', async () => {
    for (const path of [
      '/api/v1/routes/FRA-JFK/revenue',
      '/api/v1/routes/FRA-JFK/revenue?from=2026-12-01',
      '/api/v1/routes/FRA-JFK/revenue?from=2026-12-31&to=2026-12-01',
      '/api/v1/routes/FRA-JFK/revenue?from=2026-01-01&to=2027-01-02',
      '/api/v1/routes/FRA-JFK/revenue?from=2026-13-01&to=2026-12-01',
      '/api/v1/routes/FRA-JFK/revenue?from=2026-12-01&to=2026-12-02&sort=fare',
      '/api/v1/routes/FRANKFURT-JFK/revenue?from=2026-12-01&to=2026-12-02',
      '/api/v1/routes/FR1-JFK/revenue?from=2026-12-01&to=2026-12-02',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    const backwards = await get('/api/v1/routes/FRA-JFK/revenue?from=2026-12-31&to=2026-12-01');
    expect(JSON.stringify(backwards.body)).toContain('is before from');
    expect((await get('/api/v1/routes/fra-jfk/revenue?from=2026-11-30&to=2026-12-03')).body).toEqual(expectedFigures('FRA', 'JFK'));
    const doc = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/v1/routes/{origin}-{destination}/revenue');
  });

  it('changes no document when the topics are replayed into the same database', async () => {
    await settled(groupId);
    const db = mongo.db(mongoDb);
    // revisions included: a replayed record writes nothing
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all(
          routeRevenueCollections.map(async (name) => [name, await db.collection(name).find({}).sort({ _id: 1 }).toArray()] as const),
        ),
      );
    const reflected = JSON.stringify((await get('/api/v1/offsets')).body);
    const before = await snapshot();
    expect(before['route_days']?.length).toBe(6);
    // without the offsets, a new group replays every record into the documents and only what they reflect stops it
    await db.collection('offsets').deleteMany({});
    const replay = await startRouteRevenue({ ...config, groupId: uniqueName('route-revenue-daily-replay') }, logger);
    try {
      await waitFor(async () => JSON.stringify(await (await fetch(`${replay.url}/api/v1/offsets`)).json()) === reflected, {
        description: 'the replay to reflect the same offsets',
      });
      expect(await snapshot()).toEqual(before);
    } finally {
      await replay.stop();
    }
  });

  it('gives the same figures with two instances sharing the partitions, every topic arriving at once', async () => {
    const second = await startRouteRevenue(config, logger);
    try {
      // both members in the group: the three topics' partitions are split between two processes
      await waitFor(async () => (await describeGroupOffsets(stack.kafkaBrokers, groupId)).members === 2, {
        description: 'the second instance to join the group',
      });
      const scripts = [routeScript('MUC', 'JFK'), routeScript('VIE', 'JFK')];
      await send(scripts.flatMap((script) => [...script.payments, ...script.bookings, ...script.flights]));
      await waitForFigures('MUC', 'JFK', expectedFigures('MUC', 'JFK'));
      await waitForFigures('VIE', 'JFK', expectedFigures('VIE', 'JFK'));
      const fromSecond = await fetch(`${second.url}/api/v1/routes/VIE-JFK/revenue?from=2026-11-30&to=2026-12-03`);
      expect(await fromSecond.json()).toEqual(expectedFigures('VIE', 'JFK'));
    } finally {
      await second.stop();
    }
  });

  it('gives the same figures when rebuilt from the topics, and switches with both versions equal', async () => {
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };
    expect((await call('POST', '/api/v1/replays', { requireEqual: true })).status).toBe(202);
    await waitFor(async () => ((await call('GET', '/api/v1/replays')).body as ReplayStatus).pointer.version === 2, {
      description: 'the switch to version 2',
      timeoutMs: 90_000,
    });
    const v2 = ((await call('GET', '/api/v1/replays')).body as ReplayStatus).versions.find((v) => v.version === 2);
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true });
    for (const [origin, destination] of [
      ['FRA', 'JFK'],
      ['CDG', 'JFK'],
      ['ZRH', 'JFK'],
      ['MUC', 'JFK'],
      ['VIE', 'JFK'],
    ] as const)
      expect(await figuresOf(origin, destination)).toEqual(expectedFigures(origin, destination));
  }, 120_000);
});
