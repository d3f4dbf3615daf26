import { randomUUID } from 'node:crypto';
import { createLogger } from '@waggle/observability';
import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { flightsFullNames, loadSchemas, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type FlightSearchConfig } from './config.ts';
import { startFlightSearch, type FlightSearchService } from './flightSearchService.ts';

const stack = inject('stack');
const topic = uniqueName('flights-events');
const mongoDb = uniqueName('flight-search');
const allowedOrigin = 'http://localhost:5173';
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'flight-search-test' });
const mongo = new MongoClient(stack.mongoUrl);
const logger = createLogger({ service: 'flight-search-test', level: 'silent' });
const configFor = (groupId: string): FlightSearchConfig =>
  loadConfig({
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: mongoDb,
    PORT: '0',
    CORS_ORIGINS: `${allowedOrigin}, http://other.example`,
    GROUP_ID: groupId,
    FLIGHTS_TOPIC: topic,
  });

let service: FlightSearchService;
const versions = new Map<string, number>();

type Sent = { eventId: string; version: number | undefined; event: FlightsEvent };

/** Produces an event the way the flights service does (next stream version), or without a version like the CLI. */
const produce = async (event: FlightsEvent, options: { versioned?: boolean; again?: Sent } = {}): Promise<Sent> => {
  const { flightId } = event.data;
  const version =
    options.again !== undefined ? options.again.version : options.versioned === false ? undefined : (versions.get(flightId) ?? 0) + 1;
  if (version !== undefined && options.again === undefined) versions.set(flightId, version);
  const eventId = options.again?.eventId ?? randomUUID();
  const fullName = flightsFullNames[event.type];
  await producer.send([
    {
      topic,
      key: flightId,
      value: await serde.encode(topic, fullName, event.data),
      headers: {
        ...toEventHeaders({
          id: eventId,
          type: fullName,
          source: '/waggle/flights',
          time: new Date().toISOString(),
          subject: flightId,
          correlationId: eventId,
          causationId: eventId,
        }),
        ...(version === undefined ? {} : { [streamVersionHeader]: String(version) }),
      },
    },
  ]);
  return { eventId, version, event };
};

const schedule = (flightNumber: string, date: string, origin: string, destination: string, departureTime: string, fareCents: number) =>
  produce({
    type: 'FlightScheduled',
    data: {
      flightId: `${flightNumber}-${date}`,
      flightNumber,
      date,
      origin,
      destination,
      departureTime,
      capacity: 10,
      fareCents,
      currency: 'EUR',
    },
  });
const hold = (flightId: string, seats: number, options: { versioned?: boolean } = {}) =>
  produce(
    { type: 'SeatsHeld', data: { flightId, bookingId: randomUUID(), seats, holdId: randomUUID(), expiresAt: '2026-11-30T10:00:00Z' } },
    options,
  );

const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${service.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};
type Page = { items: Record<string, unknown>[]; nextCursor: string | null };
const search = async (query: string): Promise<Page> => {
  const response = await get(`/api/v1/flights?${query}`);
  expect(response.status).toBe(200);
  return response.body as unknown as Page;
};
const seatsLeftOf = async (flightId: string): Promise<number | undefined> => {
  const response = await get(`/api/v1/flights/${flightId}`);
  return response.status === 200 ? (response.body['seatsLeft'] as number) : undefined;
};
const waitForSeatsLeft = async (flightId: string, seatsLeft: number) => {
  let seen: number | undefined;
  await waitFor(async () => (seen = await seatsLeftOf(flightId)) === seatsLeft, {
    description: `${flightId} to show ${seatsLeft} seats left`,
  }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; it shows ${seen}`, { cause: error });
  });
};

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic, partitions: 3 }]);
  await Promise.all([producer.start(), mongo.connect()]);
  service = await startFlightSearch(configFor(uniqueName('flight-search')), logger);
  // FRA → JFK on 2026-12-01: departures 07:00Z (LH404), 09:30Z (LH400), 12:00Z (UA961, another offset), 15:00Z (LH402)
  await schedule('LH400', '2026-12-01', 'FRA', 'JFK', '2026-12-01T10:30:00+01:00', 49_900);
  await schedule('LH402', '2026-12-01', 'FRA', 'JFK', '2026-12-01T16:00:00+01:00', 39_900);
  await schedule('LH404', '2026-12-01', 'FRA', 'JFK', '2026-12-01T08:00:00+01:00', 59_900);
  await schedule('UA961', '2026-12-01', 'FRA', 'JFK', '2026-12-01T07:00:00-05:00', 39_900);
  await schedule('LH400', '2026-12-02', 'FRA', 'JFK', '2026-12-02T10:30:00+01:00', 19_900);
  await schedule('BA117', '2026-12-01', 'LHR', 'JFK', '2026-12-01T08:20:00Z', 45_000);
  await waitFor(async () => (await search('limit=100')).items.length === 6, { description: 'six flights to be searchable' });
});

afterAll(async () => {
  await service.stop();
  await producer.stop();
  await mongo.close();
});

describe('flight-search on the real stack', () => {
  it('shows seats left after holds and releases', async () => {
    const flightId = 'LH400-2026-12-01';
    await hold(flightId, 2);
    const { event } = await hold(flightId, 3);
    await waitForSeatsLeft(flightId, 5);
    if (event.type !== 'SeatsHeld') throw new Error('expected a hold');
    await produce({
      type: 'SeatHoldReleased',
      data: { flightId, holdId: event.data.holdId, bookingId: event.data.bookingId, seats: 3, reason: 'expired' },
    });
    await produce({ type: 'SeatsConfirmed', data: { flightId, holdId: 'h', bookingId: 'b', seats: 2 } });
    await waitForSeatsLeft(flightId, 8);
    const flight = await get(`/api/v1/flights/${flightId}`);
    expect(flight.body).toEqual({
      flightId,
      flightNumber: 'LH400',
      origin: 'FRA',
      destination: 'JFK',
      date: '2026-12-01',
      departureTime: '2026-12-01T10:30:00+01:00',
      capacity: 10,
      seatsLeft: 8,
      fareCents: 49_900,
      currency: 'EUR',
      status: 'scheduled',
    });
  });

  it('filters by route and date and sorts by departure (UTC) or by fare, ties broken by flight id', async () => {
    const route = 'origin=fra&destination=JFK&date=2026-12-01&fields=flightNumber';
    expect((await search(`${route}&sort=departure`)).items.map((f) => f['flightId'])).toEqual([
      'LH404-2026-12-01',
      'LH400-2026-12-01',
      'UA961-2026-12-01',
      'LH402-2026-12-01',
    ]);
    expect((await search(`${route}&sort=fare`)).items.map((f) => f['flightId'])).toEqual([
      'LH402-2026-12-01',
      'UA961-2026-12-01',
      'LH400-2026-12-01',
      'LH404-2026-12-01',
    ]);
    expect((await search('origin=LHR')).items.map((f) => f['flightId'])).toEqual(['BA117-2026-12-01']);
    expect((await search('destination=JFK&date=2026-12-02')).items.map((f) => f['flightId'])).toEqual(['LH400-2026-12-02']);
  });

  it('pages with limit and an opaque cursor until nextCursor is null', async () => {
    for (const sort of ['departure', 'fare']) {
      const all = (await search(`sort=${sort}&limit=100`)).items.map((f) => f['flightId']);
      const paged: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await search(`sort=${sort}&limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
        paged.push(...page.items.map((f) => f['flightId']));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(2);
      expect(paged).toEqual(all);
    }
  });

  it('returns only the fields asked for, plus the flight id', async () => {
    const { items } = await search('origin=LHR&fields=seatsLeft,fareCents');
    expect(items).toEqual([{ flightId: 'BA117-2026-12-01', seatsLeft: 10, fareCents: 45_000 }]);
    expect((await get('/api/v1/flights/BA117-2026-12-01?fields=status')).body).toEqual({
      flightId: 'BA117-2026-12-01',
      status: 'scheduled',
    });
  });

  it('answers 400 problem details naming the parameter for a bad query', async () => {
    const cursor = (await search('limit=1&sort=fare')).nextCursor ?? '';
    const bad = [
      ['fields=seatsLeft,password', '/query/fields'],
      ['limit=0', '/query/limit'],
      ['limit=101', '/query/limit'],
      ['sort=price', '/query/sort'],
      ['date=2026-13-01', '/query/date'],
      ['origin=FRANKFURT', '/query/origin'],
      ['cursor=not-a-cursor', '/query/cursor'],
      [`sort=departure&cursor=${cursor}`, '/query/cursor'],
      ['orign=FRA', '/query'],
    ] as const;
    for (const [query, path] of bad) {
      const response = await get(`/api/v1/flights?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(
        (response.body['errors'] as { path: string }[]).map((e) => e.path),
        query,
      ).toContain(path);
    }
  });

  it('answers 404 problem details for an unknown flight', async () => {
    const response = await get('/api/v1/flights/XX999-2026-12-01');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, type: 'https://waggle.dev/problems/not-found' });
  });

  it('applies a redelivered event once, with or without a stream version', async () => {
    const flightId = 'LH402-2026-12-01';
    const versioned = await hold(flightId, 1);
    await produce(versioned.event, { again: versioned });
    const unversioned = await hold(flightId, 2, { versioned: false });
    await produce(unversioned.event, { again: unversioned });
    // a later event of the same flight: once it shows, the duplicates before it were handled
    await hold(flightId, 4);
    await waitForSeatsLeft(flightId, 3);
  });

  it('changes nothing when the topic is replayed into the same database', async () => {
    await waitForSeatsLeft('LH402-2026-12-01', 3);
    const flights = mongo.db(mongoDb).collection('flights');
    const before = await flights.find({}).sort({ _id: 1 }).toArray();
    const reflected = await get('/api/v1/offsets');
    // without the offsets, a new group replays every record into the documents and only their applied events stop it
    await mongo.db(mongoDb).collection('offsets').deleteMany({});
    const replay = await startFlightSearch(configFor(uniqueName('flight-search-replay')), logger);
    try {
      await waitFor(
        async () => {
          const response = await fetch(`${replay.url}/api/v1/offsets`);
          const { offsets } = (await response.json()) as { offsets: unknown[] };
          return offsets.length === (reflected.body['offsets'] as unknown[]).length && offsets;
        },
        { description: 'the replay to reach the end of the topic' },
      );
      await waitFor(
        async () => {
          const response = await fetch(`${replay.url}/api/v1/offsets`);
          return JSON.stringify(await response.json()) === JSON.stringify(reflected.body);
        },
        { description: 'the replay to reflect the same offsets' },
      );
      expect(await flights.find({}).sort({ _id: 1 }).toArray()).toEqual(before);
    } finally {
      await replay.stop();
    }
  });

  it('records the offsets it reflects', async () => {
    const { body } = await get('/api/v1/offsets');
    const offsets = body['offsets'] as { topic: string; partition: number; offset: number }[];
    expect(offsets.length).toBeGreaterThan(0);
    for (const entry of offsets) {
      expect(entry.topic).toBe(topic);
      expect(entry.offset).toBeGreaterThanOrEqual(0);
    }
  });

  it('allows the configured browser origins only, and serves its OpenAPI document', async () => {
    const allowed = await get('/api/v1/flights?limit=1', { Origin: allowedOrigin });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    const other = await get('/api/v1/flights?limit=1', { Origin: 'http://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const doc = (await get('/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: { name: string }[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/flights']?.['get']?.parameters.map((p) => p.name)).toEqual([
      'origin',
      'destination',
      'date',
      'sort',
      'limit',
      'cursor',
      'fields',
    ]);
    expect(Object.keys(doc.paths)).toEqual([
      '/api/v1/flights',
      '/api/v1/flights/{flightId}',
      '/api/v1/offsets',
      '/api/v1/replays',
      '/api/v1/replays/pause',
      '/api/v1/replays/switch',
      '/api/v1/replays/discard',
      '/api/v1/replays/rollback',
      '/status',
    ]);
  });
});
