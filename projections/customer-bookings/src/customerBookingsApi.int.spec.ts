import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { bookingsFullNames, loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startCustomerBookings, type CustomerBookingsService } from './customerBookingsService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const flightsTopic = uniqueName('flights-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'customer-bookings-api-test' });
// another loopback address than the default 127.0.0.1, so that listening there shows HOST was honoured
const host = '127.0.0.2';
const ada = uniqueName('ada');
const grace = uniqueName('grace');
let service: CustomerBookingsService;

const request = async (customerId: string, bookingId: string, time: string) => {
  const fullName = bookingsFullNames.BookingRequested;
  const data = { bookingId, customerId, flightId: 'LH400-2027-02-01', passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 };
  const eventId = randomUUID();
  await producer.send([
    {
      topic: bookingsTopic,
      key: bookingId,
      value: await serde.encode(bookingsTopic, fullName, data),
      headers: {
        ...toEventHeaders({
          id: eventId,
          type: fullName,
          source: '/waggle/bookings',
          time,
          subject: bookingId,
          correlationId: eventId,
          causationId: eventId,
        }),
        [streamVersionHeader]: '1',
      },
    },
  ]);
};

type Page = { items: { bookingId: string }[]; nextCursor: string | null };
const list = async (customerId: string, query: string) => {
  const response = await fetch(`${service.url}/api/v1/customers/${customerId}/bookings?${query}`);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
};
const page = async (customerId: string, query: string): Promise<Page> => {
  const response = await list(customerId, query);
  expect(response.status, query).toBe(200);
  return response.body as unknown as Page;
};
const idsOf = (found: Page) => found.items.map((booking) => booking.bookingId);

beforeAll(async () => {
  await createTopics(
    stack.kafkaBrokers,
    [bookingsTopic, flightsTopic].map((topic) => ({ topic, partitions: 3 })),
  );
  await producer.start();
  service = await startCustomerBookings(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('customer-bookings-api'),
      PORT: '0',
      HOST: host,
      GROUP_ID: uniqueName('customer-bookings-api'),
      BOOKINGS_TOPIC: bookingsTopic,
      FLIGHTS_TOPIC: flightsTopic,
      PAYMENTS_TOPIC: uniqueName('payments-events'),
      CHECKIN_TOPIC: uniqueName('checkin-events'),
    }),
    createLogger({ service: 'customer-bookings-api-test', level: 'silent' }),
  );
  // ada's bookings are newer than grace's: ada's position, applied to grace's list, would skip all of grace's
  await request(grace, 'grace-1', '2026-12-01T08:00:00Z');
  await request(grace, 'grace-2', '2026-12-01T09:00:00Z');
  await request(ada, 'ada-1', '2026-12-01T10:00:00Z');
  await request(ada, 'ada-2', '2026-12-01T11:00:00Z');
  await request(ada, 'ada-3', '2026-12-01T12:00:00Z');
  await waitFor(async () => (await page(ada, 'limit=100')).items.length === 3 && (await page(grace, 'limit=100')).items.length === 2, {
    description: "ada's three and grace's two bookings to be listed",
  });
});

afterAll(async () => {
  await service?.stop();
  await producer.stop();
});

describe('customer-bookings with HOST set', () => {
  it('listens on that interface only', async () => {
    expect(new URL(service.url).hostname).toBe(host);
    const { port } = new URL(service.url);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });
});

describe("a cursor of one customer's bookings", () => {
  it("continues that customer's list and answers 400 problem details for another customer's", async () => {
    const first = await page(ada, 'limit=2');
    const cursor = first.nextCursor ?? '';
    expect([...idsOf(first), ...idsOf(await page(ada, `limit=2&cursor=${cursor}`))]).toEqual(['ada-3', 'ada-2', 'ada-1']);

    const other = await list(grace, `limit=2&cursor=${cursor}`);
    expect(other.status).toBe(400);
    expect(other.type).toMatch(/^application\/problem\+json/);
    expect(other.body['errors']).toEqual([
      {
        path: '/query/cursor',
        message: "the cursor belongs to another customer's bookings; leave cursor out to start at this customer's first page",
      },
    ]);
  });
});
