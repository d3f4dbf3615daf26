import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { flightsFullNames, loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startFlightSearch, type FlightSearchService } from './flightSearchService.ts';

const stack = inject('stack');
const topic = uniqueName('flights-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'flight-search-api-test' });
// another loopback address than the default 127.0.0.1, so that listening there shows HOST was honoured
const host = '127.0.0.2';
let service: FlightSearchService;

const schedule = async (flightNumber: string, origin: string, fareCents: number, currency: string, hour: string) => {
  const date = '2027-02-01';
  const flightId = `${flightNumber}-${date}`;
  const fullName = flightsFullNames.FlightScheduled;
  const data = {
    flightId,
    flightNumber,
    date,
    origin,
    destination: 'JFK',
    departureTime: `${date}T${hour}:00Z`,
    capacity: 9,
    fareCents,
    currency,
  };
  const eventId = randomUUID();
  await producer.send([
    {
      topic,
      key: flightId,
      value: await serde.encode(topic, fullName, data),
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
        [streamVersionHeader]: '1',
      },
    },
  ]);
};

const get = async (query: string) => {
  const response = await fetch(`${service.url}/api/v1/flights?${query}`);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
};
type Page = { items: { flightId: string }[]; nextCursor: string | null };
const search = async (query: string): Promise<Page> => {
  const response = await get(query);
  expect(response.status, query).toBe(200);
  return response.body as unknown as Page;
};
const idsOf = (page: Page) => page.items.map((flight) => flight.flightId);
const pageThrough = async (query: string, limit: number): Promise<string[]> => {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await search(`${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
    ids.push(...idsOf(page));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
};
const problemAt = (body: Record<string, unknown>, path: string) =>
  (body['errors'] as { path: string; message: string }[]).find((error) => error.path === path);

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic, partitions: 3 }]);
  await producer.start();
  service = await startFlightSearch(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('flight-search-api'),
      PORT: '0',
      HOST: host,
      GROUP_ID: uniqueName('flight-search-api'),
      FLIGHTS_TOPIC: topic,
    }),
    createLogger({ service: 'flight-search-api-test', level: 'silent' }),
  );
  // from FRA: fares in three currencies, and a tie within USD; from LHR: one more flight
  await schedule('EU500', 'FRA', 500_00, 'EUR', '06:00');
  await schedule('US300', 'FRA', 300_00, 'USD', '07:00');
  await schedule('EU200', 'FRA', 200_00, 'EUR', '08:00');
  await schedule('GB400', 'FRA', 400_00, 'GBP', '09:00');
  await schedule('US301', 'FRA', 300_00, 'USD', '10:00');
  await schedule('LH100', 'LHR', 100_00, 'EUR', '05:00');
  await waitFor(async () => (await search('limit=100')).items.length === 6, { description: 'six flights to be searchable' });
});

afterAll(async () => {
  await service?.stop();
  await producer.stop();
});

describe('flight-search with HOST set', () => {
  it('listens on that interface only', async () => {
    expect(new URL(service.url).hostname).toBe(host);
    const { port } = new URL(service.url);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });
});

describe('given flights priced in EUR, GBP and USD', () => {
  it('sorts by fare within each currency, currencies by code, ties by flight id, and pages through that order', async () => {
    const all = ['EU200-2027-02-01', 'EU500-2027-02-01', 'GB400-2027-02-01', 'US300-2027-02-01', 'US301-2027-02-01'];
    expect(idsOf(await search('origin=FRA&sort=fare'))).toEqual(all);
    // every page boundary once: inside a currency, between currencies, inside the USD tie
    for (const limit of [1, 2, 3]) expect(await pageThrough('origin=FRA&sort=fare', limit), `limit=${limit}`).toEqual(all);
  });

  it('says in its OpenAPI document how fares of different currencies are ordered', async () => {
    const response = await fetch(`${service.url}/openapi.json`);
    const doc = (await response.json()) as {
      paths: Record<string, { get: { parameters: { name: string; description?: string; schema?: { description?: string } }[] } }>;
    };
    const sort = doc.paths['/api/v1/flights']?.get.parameters.find((p) => p.name === 'sort');
    expect(sort?.description ?? sort?.schema?.description).toMatch(/within each currency/);
  });
});

describe('a cursor', () => {
  it('continues its own search (page size and fields may change) and answers 400 naming what changed for another', async () => {
    const first = await search('origin=FRA&sort=departure&limit=2');
    const cursor = first.nextCursor ?? '';
    const next = await search(`origin=fra&sort=departure&limit=3&fields=fareCents&cursor=${cursor}`);
    expect([...idsOf(first), ...idsOf(next)]).toEqual(idsOf(await search('origin=FRA&sort=departure')));
    for (const [query, changed] of [
      [`origin=LHR&sort=departure`, 'origin'],
      [`sort=departure`, 'origin'],
      [`origin=FRA&date=2027-02-01&sort=departure`, 'date'],
      [`origin=FRA&destination=JFK&sort=departure`, 'destination'],
      [`origin=FRA&sort=fare`, 'sort'],
    ] as const) {
      const response = await get(`${query}&cursor=${cursor}`);
      expect(response.status, query).toBe(400);
      expect(response.type).toMatch(/^application\/problem\+json/);
      expect(problemAt(response.body, '/query/cursor')?.message, query).toMatch(
        new RegExp(`belongs to the search origin=FRA&destination=\\(none\\)&date=\\(none\\)&sort=departure.*differs in ${changed}`),
      );
    }
  });
});

describe('fields=', () => {
  it('answers 400 saying fields must name at least one field when it names none', async () => {
    for (const query of ['fields=', 'fields=,', 'fields=%20']) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect(problemAt(response.body, '/query/fields')?.message, query).toBe(
        'fields must name at least one of: flightId, flightNumber, origin, destination, date, departureTime, capacity, seatsLeft, fareCents, currency, status',
      );
    }
  });

  it('quotes each unknown name, an empty one too', async () => {
    const response = await get('fields=seatsLeft,,password');
    expect(response.status).toBe(400);
    expect(problemAt(response.body, '/query/fields')?.message).toMatch(/^unknown field\(s\) "", "password"; allowed: flightId, /);
  });
});
