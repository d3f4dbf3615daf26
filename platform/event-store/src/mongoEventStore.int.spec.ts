import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { describeCommandGroups } from './commandGroupsContract.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';
import { laneOf } from './eventStore.ts';
import { createMongoEventStore } from './mongoEventStore.ts';

const client = new MongoClient(inject('stack').mongoUrl);
afterAll(async () => {
  await client.close();
});

const freshStore = async () => {
  const db = client.db(uniqueName('es'));
  const store = createMongoEventStore({ db, lanes: 3 });
  await store.start();
  return { db, store };
};

const dbOf = new WeakMap<object, Db>();
describeCommandGroups('MongoDB', async () => (await freshStore()).store);

describeEventStoreContract(
  'MongoDB',
  async () => {
    const { db, store } = await freshStore();
    dbOf.set(store, db);
    return store;
  },
  // another process's store on the same database: it knows nothing of what this one read or appended
  async (store) => {
    const other = createMongoEventStore({ db: dbOf.get(store)!, lanes: 3 });
    await other.start();
    return other;
  },
);

describe('MongoDB event store', () => {
  describe('given a writer that died between its outbox insert and its stream insert', () => {
    it('completes the append once the relay has seen the entry pending for the orphan timeout, whatever the writer’s clock said, exactly once', async () => {
      const { db, store } = await freshStore();
      await store.append(
        'flight-9',
        [{ type: 'A', data: {}, metadata: { eventId: 'e1', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        {
          expectedVersion: 0,
        },
      );
      const lane = laneOf('flight-9', 3);
      const orphan = {
        streamId: 'flight-9',
        from: 2,
        to: 2,
        batchId: 'orphan-batch',
        lane,
        seq: 2,
        commandId: null,
        events: [
          {
            type: 'B',
            data: { n: 1 },
            metadata: { eventId: 'e2', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
          },
        ],
        // the writer's clock ran an hour ahead: its entry must not look young for an hour
        at: new Date(Date.now() + 3_600_000).toISOString(),
      };
      // what a writer that died right after its outbox insert leaves behind
      await db.collection<{ _id: string; body: string }>('outbox').insertOne({ _id: `${lane}:2`, body: JSON.stringify(orphan) });
      expect((await store.readStream('flight-9')).version).toBe(1);

      // first seen now: not an orphan yet
      const young = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 300 });
      expect(young).toEqual({ batches: [], throughSeq: 1 });
      await new Promise((resolve) => setTimeout(resolve, 350));

      const read = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 300 });
      expect(read.batches.map((b) => b.batchId)).toEqual(['orphan-batch']);
      expect((await store.readStream('flight-9')).events.map((e) => e.type)).toEqual(['A', 'B']);
      await expect(store.append('flight-9', [{ ...orphan.events[0]!, type: 'C' }], { expectedVersion: 1 })).rejects.toMatchObject({
        name: 'ConcurrencyError',
      });
      const again = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 10_000 });
      expect(again.batches.map((b) => b.batchId)).toEqual(['orphan-batch']);
    });
  });

  describe('given a hole in a lane (a claimed seq whose document the server refused)', () => {
    it('waits for the orphan timeout, then voids the hole and publishes what follows it', async () => {
      const { db, store } = await freshStore();
      const lane = laneOf('hole-1', 3);
      const sameLane = Array.from({ length: 50 }, (_, i) => `hole-${i + 2}`).find((id) => laneOf(id, 3) === lane)!;
      await store.append(
        'hole-1',
        [{ type: 'A', data: {}, metadata: { eventId: 'e1', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        {
          expectedVersion: 0,
        },
      );
      await store.append(
        sameLane,
        [{ type: 'A', data: {}, metadata: { eventId: 'e2', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        { expectedVersion: 0 },
      );
      // move the second append's entry from seq 2 to seq 3, leaving seq 2 a hole
      const raw = db.collection<{ _id: string; body: string }>('outbox');
      const second = (await raw.findOneAndDelete({ _id: `${lane}:2` }))!;
      await raw.insertOne({ _id: `${lane}:3`, body: JSON.stringify({ ...JSON.parse(second.body), seq: 3 }) });

      expect(await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 60_000 })).toEqual({ batches: [], throughSeq: 1 });
      expect(await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 0 })).toEqual({ batches: [], throughSeq: 1 });
      // the void entry is stepped over within the same read
      const voided = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 0 });
      expect(voided.throughSeq).toBe(3);
      expect(voided.batches.map((b) => [b.streamId, b.position.seq])).toEqual([[sameLane, 3]]);
    });
  });

  it('reads streams and outbox lanes only through the _id index, never scanning a collection', async () => {
    const { db, store } = await freshStore();
    for (let v = 0; v < 30; v++) {
      await store.append(
        `s-${v % 3}`,
        [{ type: 'A', data: {}, metadata: { eventId: `e${v}`, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        {
          expectedVersion: Math.floor(v / 3),
        },
      );
    }
    // the store's query shapes are {_id: value} and {_id: {$in: [values]}}; ask the server how it runs them
    // (MongoDB: IDHACK/IXSCAN, FerretDB: SQLite SEARCH USING INDEX, with the stack's $in pushdown)
    for (const [collection, filter] of [
      ['streams', { _id: 's-1@4' }],
      ['outbox', { _id: '0:3' }],
      ['outbox', { _id: '0:999999' }],
      ['outbox', { _id: { $in: ['0:3', '0:4', '0:5', '0:999999'] } }],
      ['streams', { _id: { $in: ['s-1@4', 's-2@1'] } }],
    ] as const) {
      const plan = JSON.stringify(await db.collection<{ _id: string }>(collection).find(filter).explain());
      expect(plan, `${collection} ${JSON.stringify(filter)}`).not.toMatch(/COLLSCAN|detail=SCAN /);
      expect(plan).toMatch(/IDHACK|IXSCAN|EXPRESS|USING INDEX|USING PRIMARY KEY/);
    }
  });

  describe('given appends whose commit a later outbox entry of the same writer vouches for', () => {
    it('relays them without looking up their stream batches; only the newest entry is checked, and none by the writer itself', async () => {
      const monitored = new MongoClient(inject('stack').mongoUrl, { monitorCommands: true });
      try {
        const db = monitored.db(uniqueName('es'));
        const store = createMongoEventStore({ db, lanes: 1 });
        await store.start();
        for (let v = 0; v < 10; v++) {
          await store.append(
            'vouched-1',
            [
              {
                type: 'A',
                data: { v },
                metadata: { eventId: `e${v}`, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
              },
            ],
            { expectedVersion: v },
          );
        }
        const looked: unknown[] = [];
        monitored.on('commandStarted', (e) => {
          if (e.commandName === 'find' && e.command['find'] === 'streams') looked.push(e.command['filter']);
        });
        // a relay in another process: the vouchers tell it what committed
        const elsewhere = createMongoEventStore({ db, lanes: 1 });
        const read = await elsewhere.readOutbox(0, 0, { limit: 64, orphanAfterMs: 60_000 });
        expect(read.batches.flatMap((b) => b.events.map((e) => e.version))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(looked).toEqual([{ _id: { $in: ['vouched-1@10'] } }]);
        // the relay of the writer's own process knows what it committed, the newest entry too
        looked.length = 0;
        const own = await store.readOutbox(0, 0, { limit: 64, orphanAfterMs: 60_000 });
        expect(own.batches.flatMap((b) => b.events.map((e) => e.version))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(looked).toEqual([]);
      } finally {
        await monitored.close();
      }
    });

    it('stops at an entry still being written, even when later entries are vouched for', async () => {
      const db = client.db(uniqueName('es'));
      const store = createMongoEventStore({ db, lanes: 1 });
      await store.start();
      const event = (id: string) => ({
        type: 'A',
        data: {},
        metadata: { eventId: id, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
      });
      await store.append('first', [event('e1')], { expectedVersion: 0 });
      // another writer has just inserted its outbox entry at seq 2 and not yet its stream batch
      const young = {
        streamId: 'slow',
        from: 1,
        to: 1,
        batchId: 'slow-batch',
        lane: 0,
        seq: 2,
        commandId: null,
        events: [event('e2')],
        at: new Date().toISOString(),
      };
      await db.collection<{ _id: string; body: string }>('outbox').insertOne({ _id: '0:2', body: JSON.stringify(young) });
      await store.append('later-1', [event('e3')], { expectedVersion: 0 });
      await store.append('later-2', [event('e4')], { expectedVersion: 0 });

      const read = await store.readOutbox(0, 0, { limit: 64, orphanAfterMs: 60_000 });
      expect(read.batches.map((b) => b.streamId)).toEqual(['first']);
      expect(read.throughSeq).toBe(1);
    });

    it('reads a lane in windows smaller than its backlog, every batch once and in order', async () => {
      const db = client.db(uniqueName('es'));
      const store = createMongoEventStore({ db, lanes: 1 });
      await store.start();
      for (let v = 0; v < 10; v++) {
        await store.append(
          'windowed',
          [
            {
              type: 'A',
              data: { v },
              metadata: { eventId: `w${v}`, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
            },
          ],
          {
            expectedVersion: v,
          },
        );
      }
      const versions: number[] = [];
      const steps: number[] = [];
      for (let after = 0; after < 10;) {
        const read = await store.readOutbox(0, after, { limit: 4, orphanAfterMs: 60_000 });
        versions.push(...read.batches.flatMap((b) => b.events.map((e) => e.version)));
        steps.push(read.throughSeq);
        after = read.throughSeq;
      }
      expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(steps).toEqual([4, 8, 10]);
    });

    it('never relays a batch that lost a race to another writer process', async () => {
      const db = client.db(uniqueName('es'));
      const writers = [createMongoEventStore({ db, lanes: 1 }), createMongoEventStore({ db, lanes: 1 })];
      for (const w of writers) await w.start();
      const event = (id: string) => ({
        type: 'A',
        data: {},
        metadata: { eventId: id, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
      });
      // both writers race for each of versions 1..8 of one stream, then each appends once more on its own stream
      for (let v = 0; v < 8; v++) {
        await Promise.allSettled(writers.map((w, i) => w.append('raced', [event(`r${v}-${i}`)], { expectedVersion: v })));
      }
      for (const [i, w] of writers.entries()) await w.append(`own-${i}`, [event(`own-${i}`)], { expectedVersion: 0 });
      const read = await writers[0]!.readOutbox(0, 0, { limit: 64, orphanAfterMs: 60_000 });
      const relayed = read.batches.flatMap((b) => b.events.map((e) => e.metadata.eventId));
      const stored = (await writers[0]!.readStream('raced')).events.map((e) => e.metadata.eventId);
      expect(stored).toHaveLength(8);
      expect(relayed.filter((id) => id.startsWith('r'))).toEqual(stored);
      expect(relayed.filter((id) => id.startsWith('own'))).toHaveLength(2);
    });
  });

  describe('the commands log', () => {
    it('forgets commands older than its retention window: the store deletes them itself, on the local stack too', async () => {
      const db = client.db(uniqueName('es'));
      const store = createMongoEventStore({ db, lanes: 1, commandRetentionMs: 1_000 });
      await store.start();
      await store.recordCommand({ commandId: 'old', streamId: 's', afterVersion: 0 });
      const raw = db.collection<{ _id: string }>('commands');
      expect(await raw.countDocuments({ _id: 'old' })).toBe(1);
      let newest = '';
      // commands keep coming; one of them prunes once 'old' is past the window
      await waitFor(
        async () => {
          newest = uniqueName('new');
          await store.recordCommand({ commandId: newest, streamId: 's', afterVersion: 0 });
          return (await raw.countDocuments({ _id: 'old' })) === 0;
        },
        { intervalMs: 200, timeoutMs: 15_000, description: 'the old command to be deleted' },
      );
      expect(await store.findCommand('old')).toBeUndefined();
      expect(await store.findCommand(newest)).toMatchObject({ commandId: newest });
    });
  });

  describe('given a stream insert whose answer the connection loses after the server committed it', () => {
    it('settles the append from its own key: it is committed, relayed once, and the caller is told so', async () => {
      const mongo = new URL(inject('stack').mongoUrl);
      const proxy = await createReplyDroppingProxy({ host: mongo.hostname, port: Number(mongo.port || 27017) });
      const proxied = new MongoClient(`mongodb://127.0.0.1:${proxy.port}/?directConnection=true`, { retryWrites: false });
      try {
        const db = proxied.db(uniqueName('es'));
        const store = createMongoEventStore({ db, lanes: 1 });
        await store.start();
        const event = {
          type: 'A',
          data: {},
          metadata: { eventId: 'e1', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
        };
        proxy.dropNextReplyTo(insertInto('streams'));
        const appended = await store.append('lost-answer', [event], { expectedVersion: 0 });
        expect(proxy.dropped()).toBe(1);
        expect(appended).toMatchObject({ fromVersion: 1, toVersion: 1 });
        expect((await store.readStream('lost-answer')).version).toBe(1);
        const read = await store.readOutbox(0, 0, { limit: 8, orphanAfterMs: 60_000 });
        expect(read.batches.map((b) => b.batchId)).toEqual([appended.batchId]);
      } finally {
        await proxied.close();
        await proxy.stop();
      }
    });
  });

  it('refuses to open a store written in an earlier layout, saying how to start afresh', async () => {
    const db = client.db(uniqueName('es'));
    await db.collection<{ _id: string; lanes: number }>('event_store_meta').insertOne({ _id: 'event-store', lanes: 3 });
    await expect(createMongoEventStore({ db, lanes: 3 }).start()).rejects.toThrow(/layout 1 .* reads layout 2.*waggle stack reset/);
  });

  it('refuses to reopen a store with another number of lanes', async () => {
    const { db } = await freshStore();
    await expect(createMongoEventStore({ db, lanes: 5 }).start()).rejects.toThrow(/3 outbox lanes/);
  });
});

/** The bytes of an `insert` command on `collection` in an OP_MSG body: `insert: "<collection>"` as a BSON string. */
const insertInto = (collection: string): Buffer => {
  const name = Buffer.from(`${collection}\0`);
  const length = Buffer.alloc(4);
  length.writeInt32LE(name.length);
  return Buffer.concat([Buffer.from([0x02]), Buffer.from('insert\0'), length, name]);
};

/**
 * A TCP proxy to the server that, once armed, lets the next request containing `pattern` through and drops the
 * connection instead of passing its reply on: the server has done the write, the client never hears of it.
 */
const createReplyDroppingProxy = async (target: { host: string; port: number }) => {
  let armed: Buffer | undefined;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((clientSocket) => {
    const upstream = connect(target.port, target.host);
    sockets.add(clientSocket).add(upstream);
    let dropReply = false;
    const close = (): void => {
      clientSocket.destroy();
      upstream.destroy();
    };
    clientSocket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    clientSocket.on('data', (chunk: Buffer) => {
      if (armed !== undefined && chunk.includes(armed)) {
        armed = undefined;
        dropReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropReply) return void clientSocket.write(chunk);
      dropped += 1;
      close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dropNextReplyTo: (pattern: Buffer): void => {
      armed = pattern;
    },
    dropped: () => dropped,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
