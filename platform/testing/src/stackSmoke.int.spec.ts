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

  it('answers a filter on _id and other fields from the _id index, and applies the whole filter', async () => {
    // a revision-guarded replace and a fenced update name the _id and a field: FerretDB scanned the table for them
    const docs = mongo.db(uniqueName('smoke')).collection<{ _id: string; revision: number }>('revised');
    await docs.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, revision: i % 3 })));
    for (const filter of [
      { _id: 'd7', revision: 1 },
      { _id: { $in: ['d1', 'd2', 'd3'] }, revision: 2 },
    ]) {
      const plan = JSON.stringify(await docs.find(filter).explain());
      expect(plan, JSON.stringify(filter)).not.toMatch(/COLLSCAN|detail=SCAN /);
      expect(plan).toMatch(/IDHACK|IXSCAN|EXPRESS|USING INDEX|USING PRIMARY KEY/);
    }
    expect(await docs.find({ _id: 'd7', revision: 1 }).toArray()).toEqual([{ _id: 'd7', revision: 1 }]);
    expect(await docs.find({ _id: 'd7', revision: 2 }).toArray()).toEqual([]);
    expect(await docs.find({ _id: { $in: ['d1', 'd2', 'd3'] }, revision: 2 }).toArray()).toEqual([{ _id: 'd2', revision: 2 }]);
    expect((await docs.replaceOne({ _id: 'd8', revision: 1 }, { revision: 9 })).modifiedCount).toBe(0);
    expect((await docs.replaceOne({ _id: 'd8', revision: 2 }, { revision: 9 })).modifiedCount).toBe(1);
  });

  describe('read-modify-write commands are atomic per document, as on MongoDB', () => {
    // FerretDB v1 reads, modifies in Go and writes back: without the stack's lock two concurrent $inc lost ~half
    // their updates, and a conditional update could overwrite a newer write (a fencing epoch went backwards).
    const concurrently = async (lanes: number, each: number, op: (lane: number, i: number) => Promise<unknown>) => {
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          for (let i = 0; i < each; i++) await op(lane, i);
        }),
      );
    };

    it('loses no $inc of concurrent updateOne and findOneAndUpdate calls', async () => {
      const counters = mongo.db(uniqueName('smoke')).collection<{ _id: string; n: number }>('counters');
      await counters.insertOne({ _id: 'c', n: 0 });
      await concurrently(4, 100, (lane) =>
        lane % 2 === 0 ? counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } }) : counters.findOneAndUpdate({ _id: 'c' }, { $inc: { n: 1 } }),
      );
      expect(await counters.findOne({ _id: 'c' })).toEqual({ _id: 'c', n: 400 });
    });

    it('never lets a conditional update overwrite a write it did not see', async () => {
      // a claimer bumps the epoch; holders of an epoch write only while it is still theirs (a fence)
      const leases = mongo.db(uniqueName('smoke')).collection<{ _id: string; epoch: number; writes: number }>('leases');
      await leases.insertOne({ _id: 'lane', epoch: 0, writes: 0 });
      let stale = 0;
      await Promise.all([
        concurrently(1, 150, () => leases.updateOne({ _id: 'lane' }, { $inc: { epoch: 1 } })),
        concurrently(3, 100, async () => {
          const seen = await leases.findOne({ _id: 'lane' });
          if (!seen) throw new Error('the lease vanished');
          const result = await leases.updateOne({ _id: 'lane', epoch: seen.epoch }, { $set: { epoch: seen.epoch }, $inc: { writes: 1 } });
          if (result.modifiedCount === 0) stale++;
        }),
      ]);
      const final = await leases.findOne({ _id: 'lane' });
      expect(final?.epoch).toBe(150);
      expect((final?.writes ?? 0) + stale).toBe(300);
    });

    it('upserts one new _id from concurrent callers without a duplicate-key error', async () => {
      const docs = mongo.db(uniqueName('smoke')).collection<{ _id: string; n: number }>('upserts');
      await concurrently(4, 25, (_, i) => docs.updateOne({ _id: `d${i}` }, { $inc: { n: 1 } }, { upsert: true }));
      expect(await docs.countDocuments()).toBe(25);
      expect((await docs.find().toArray()).every((d) => d.n === 4)).toBe(true);
    });

    it('deletes a document once when concurrent deleteOne calls race for it', async () => {
      const docs = mongo.db(uniqueName('smoke')).collection<{ _id: number; group: string }>('deletes');
      await docs.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, group: 'g' })));
      let deleted = 0;
      await concurrently(4, 15, async () => {
        const { deletedCount } = await docs.deleteOne({ group: 'g' });
        deleted += deletedCount;
      });
      expect(deleted).toBe(40);
      expect(await docs.countDocuments()).toBe(0);
    });
  });
});
