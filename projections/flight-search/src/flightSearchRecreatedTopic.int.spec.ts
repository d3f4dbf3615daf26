import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, describeTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { flightsFullNames, loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startFlightSearch } from './flightSearchService.ts';

const stack = inject('stack');
const topic = uniqueName('flights-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'flight-search-recreated-test' });
// an independent client, for what no service does: deleting a topic
const admin = new Kafka({
  clientId: 'flight-search-recreated-test',
  brokers: stack.kafkaBrokers.split(','),
  logLevel: logLevel.NOTHING,
}).admin();
const config = loadConfig({
  KAFKA_BROKERS: stack.kafkaBrokers,
  SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
  MONGO_URL: stack.mongoUrl,
  MONGO_DB: uniqueName('flight-search-recreated'),
  PORT: '0',
  GROUP_ID: uniqueName('flight-search-recreated'),
  FLIGHTS_TOPIC: topic,
});
const logger = createLogger({ service: 'flight-search-recreated-test', level: 'silent' });

const schedule = async (flightId: string): Promise<void> => {
  const fullName = flightsFullNames.FlightScheduled;
  const eventId = randomUUID();
  const data = {
    flightId,
    flightNumber: flightId.split('-')[0] ?? flightId,
    date: '2026-12-01',
    origin: 'FRA',
    destination: 'JFK',
    departureTime: '2026-12-01T10:30:00+01:00',
    capacity: 10,
    fareCents: 49_900,
    currency: 'EUR',
  };
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

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic, partitions: 1 }]);
  await Promise.all([producer.start(), admin.connect()]);
});

afterAll(async () => {
  await producer.stop();
  await admin.disconnect();
});

describe('flight-search whose topic was deleted and created again since it was built', () => {
  it('refuses to start, naming the topic, the partition, both offsets and the rebuild', async () => {
    const built = await startFlightSearch(config, logger);
    try {
      for (const flight of ['LH400', 'LH402', 'LH404']) await schedule(`${flight}-2026-12-01`);
      await waitFor(
        async () => {
          const { offsets } = (await (await fetch(`${built.url}/api/v1/offsets`)).json()) as { offsets: { offset: number }[] };
          return offsets[0]?.offset === 2;
        },
        { description: 'the read model to reflect offset 2' },
      );
    } finally {
      await built.stop();
    }

    await admin.deleteTopics({ topics: [topic] });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), { description: 'the topic to be gone' });
    await waitFor(
      async () => {
        await createTopics(stack.kafkaBrokers, [{ topic, partitions: 1 }], { logger: { info: () => {}, warn: () => {}, error: () => {} } });
        const [recreated] = await describeTopics(stack.kafkaBrokers, { topics: [topic] });
        return recreated?.partitions[0]?.high === '0';
      },
      { description: 'the topic to exist again, empty' },
    );
    await schedule('LH406-2026-12-01');

    const refused = await startFlightSearch(config, logger).then(
      async (started) => {
        await started.stop();
        return new Error('it started');
      },
      (error: unknown) => error as Error,
    );
    expect(refused.message).toContain(`${topic}/0 reflects offset 2 but the partition ends at 1`);
    expect(refused.message).toContain('Rebuild it');
    expect(refused).toMatchObject({ retriable: false });
  });
});
