import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { uniqueName } from './uniqueName.ts';
import { waitFor } from './waitFor.ts';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const stack = inject('stack');

describe('the local stack, driven with plain clients', () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
  const mongo = new MongoClient(stack.mongoUrl);

  beforeAll(async () => {
    await mongo.connect();
  });
  afterAll(async () => {
    await mongo.close();
  });

  it('registers an Avro schema and round-trips a record in Confluent wire format through Kafka', async () => {
    const topic = uniqueName('smoke');
    const schema = {
      type: 'record',
      name: 'SeatsHeld',
      namespace: 'waggle.smoke',
      fields: [
        { name: 'flightId', type: 'string' },
        { name: 'seats', type: 'int' },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-waggle.smoke.SeatsHeld` },
    );
    expect(id).toBeGreaterThan(0);

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'LH400-2026-12-01', value: await registry.encode(id, { flightId: 'LH400-2026-12-01', seats: 2 }) }],
    });
    await producer.disconnect();

    const received: KafkaMessage[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('smoke-group'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        received.push(message);
        return Promise.resolve();
      },
    });
    const message = await waitFor(() => received[0], { description: 'the record to come back' });
    await consumer.disconnect();

    const value = message.value ?? Buffer.alloc(0);
    expect(value.readUInt8(0)).toBe(0);
    expect(value.readInt32BE(1)).toBe(id);
    expect(message.key?.toString()).toBe('LH400-2026-12-01');
    expect(await registry.decode(value)).toEqual({ flightId: 'LH400-2026-12-01', seats: 2 });
  });

  it('returns the same schema id when the same schema is registered again', async () => {
    const subject = `${uniqueName('smoke')}-waggle.smoke.Ping`;
    const schema = JSON.stringify({ type: 'record', name: 'Ping', namespace: 'waggle.smoke', fields: [{ name: 'n', type: 'int' }] });
    const first = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
    const second = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
    expect(second.id).toBe(first.id);
  });

  it('rejects a duplicate key on a unique index with code 11000', async () => {
    const collection = mongo.db(uniqueName('smoke')).collection('events');
    await collection.createIndex({ streamId: 1, version: 1 }, { unique: true });
    await collection.insertOne({ streamId: 'booking-1', version: 1 });
    await expect(collection.insertOne({ streamId: 'booking-1', version: 1 })).rejects.toMatchObject({ code: 11000 });
    expect(await collection.countDocuments({ streamId: 'booking-1' })).toBe(1);
  });
});
