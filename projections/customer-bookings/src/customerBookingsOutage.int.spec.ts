import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createProducer, createTopics, describeTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { bookingsFullNames, loadSchemas, type BookingsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { createTcpProxy, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startCustomerBookings, type CustomerBookingsService } from './customerBookingsService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const flightsTopic = uniqueName('flights-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'customer-bookings-outage-test' });
const mongoAddress = new URL(stack.mongoUrl);
const mongoProxy = createTcpProxy({ target: { host: mongoAddress.hostname, port: Number(mongoAddress.port || 27017) } });
// Longer than a bounded retry budget could last: each attempt waits out the store's 5 s server selection twice
// (the batch, then its first record alone), so 6 attempts and their backoff end by 67 s. 45 s (the figure)
// covers only 4 of them here and passed with 5 retries too.
const outageMs = 75_000;

let service: CustomerBookingsService;

const produce = async (event: BookingsEvent, version: number): Promise<void> => {
  const fullName = bookingsFullNames[event.type];
  const eventId = randomUUID();
  await producer.send([
    {
      topic: bookingsTopic,
      key: event.data.bookingId,
      value: await serde.encode(bookingsTopic, fullName, event.data),
      headers: {
        ...toEventHeaders({
          id: eventId,
          type: fullName,
          source: '/waggle/bookings',
          time: new Date().toISOString(),
          subject: event.data.bookingId,
          correlationId: eventId,
          causationId: eventId,
        }),
        [streamVersionHeader]: String(version),
      },
    },
  ]);
};

beforeAll(async () => {
  await createTopics(
    stack.kafkaBrokers,
    [bookingsTopic, flightsTopic].map((topic) => ({ topic, partitions: 3 })),
  );
  await Promise.all([producer.start(), mongoProxy.start()]);
  const proxied = new URL(stack.mongoUrl);
  proxied.host = `127.0.0.1:${mongoProxy.port}`;
  service = await startCustomerBookings(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: proxied.toString(),
      MONGO_DB: uniqueName('customer-bookings-outage'),
      PORT: '0',
      GROUP_ID: uniqueName('customer-bookings-outage'),
      BOOKINGS_TOPIC: bookingsTopic,
      FLIGHTS_TOPIC: flightsTopic,
      PAYMENTS_TOPIC: uniqueName('payments-events'),
      CHECKIN_TOPIC: uniqueName('checkin-events'),
    }),
    createLogger({ service: 'customer-bookings-outage-test', level: 'silent' }),
  );
});

afterAll(async () => {
  await mongoProxy.restore();
  await service.stop();
  await producer.stop();
  await mongoProxy.stop();
});

describe('customer-bookings while its database is unreachable', () => {
  it('lists the booking, confirmed, once the database is back, and dead-letters nothing', { timeout: 180_000 }, async () => {
    const customerId = uniqueName('customer');
    const bookingId = uniqueName('booking');
    const flightId = 'LH400-2026-12-01';
    await mongoProxy.cut();
    await produce(
      {
        type: 'BookingRequested',
        data: { bookingId, customerId, flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 },
      },
      1,
    );
    await produce({ type: 'BookingConfirmed', data: { bookingId, flightId, holdId: 'h-1', seats: 1 } }, 2);
    // the outage itself: the consumer meets it on every attempt for this long
    await delay(outageMs);
    await mongoProxy.restore();

    const listed = await waitFor(
      async () => {
        const response = await fetch(`${service.url}/api/v1/customers/${customerId}/bookings`);
        const page = (await response.json()) as { items?: { bookingId: string; status: string }[] };
        return response.status === 200 && page.items?.find((b) => b.bookingId === bookingId && b.status === 'confirmed');
      },
      { timeoutMs: 60_000, description: 'the booking to be listed, confirmed' },
    );
    expect(listed).toMatchObject({ bookingId, status: 'confirmed' });
    expect(await describeTopics(stack.kafkaBrokers, { topics: [`${bookingsTopic}.dlq`, `${flightsTopic}.dlq`] })).toEqual([]);
  });
});
