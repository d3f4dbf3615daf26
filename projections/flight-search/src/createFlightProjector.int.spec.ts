import { randomUUID } from 'node:crypto';
import type { ConsumedRecord } from '@waggle/kafka-bus';
import { VersionGapError } from '@waggle/errors';
import type { ProjectedEvent } from '@waggle/read-model';
import type { FlightsEvent } from '@waggle/schemas';
import { openReadModelDatabase } from '@waggle/read-model';
import { uniqueName } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFlightProjector } from './createFlightProjector.ts';
import { createMongoFlightSearchStore, type FlightSearchStore } from './mongoFlightSearchStore.ts';

const stack = inject('stack');
const mongoDb = uniqueName('flight-projector');
const mongo = new MongoClient(stack.mongoUrl);
// two instances of the projection, as two consumer-group members are: each with its own connection
const databases = [0, 1].map(() => openReadModelDatabase({ url: stack.mongoUrl, dbName: mongoDb }));
const first = createMongoFlightSearchStore(databases[0]!.db);
const second = createMongoFlightSearchStore(databases[1]!.db);

const scheduled = (flightId: string): FlightsEvent => ({
  type: 'FlightScheduled',
  data: {
    flightId,
    flightNumber: 'LH400',
    date: '2026-12-01',
    origin: 'FRA',
    destination: 'JFK',
    departureTime: '2026-12-01T10:30:00+01:00',
    capacity: 10,
    fareCents: 49_900,
    currency: 'EUR',
  },
});
const held = (flightId: string, seats: number): FlightsEvent => ({
  type: 'SeatsHeld',
  data: { flightId, bookingId: randomUUID(), seats, holdId: randomUUID(), expiresAt: '2026-11-30T10:00:00Z' },
});

/** A flight's stream as the relay publishes it: version n at offset `firstOffset + n - 1` of partition 0 of `topic`. */
const streamOf = (topic: string, flightId: string, events: readonly FlightsEvent[], firstOffset = 0) =>
  events.map((event, index): ConsumedRecord<ProjectedEvent<FlightsEvent>> => ({
    topic,
    partition: 0,
    offset: String(firstOffset + index),
    key: Buffer.from(flightId),
    value: null,
    headers: {},
    timestamp: Date.now(),
    event: { event, eventId: randomUUID(), streamVersion: index + 1, occurredAt: new Date().toISOString() },
  }));

/** The store of an instance whose document writes wait at a gate, as a member's do when its batch outlives its session. */
const gated = (store: FlightSearchStore) => {
  let reached!: () => void;
  let open!: () => void;
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (open = resolve));
  return {
    atGate,
    open,
    store: {
      ...store,
      flightDocuments: {
        ...store.flightDocuments,
        save: async (changed: Parameters<FlightSearchStore['flightDocuments']['save']>[0]) => {
          reached();
          await gate;
          return store.flightDocuments.save(changed);
        },
      },
    },
  };
};

const storedFlight = (flightId: string) =>
  mongo
    .db(mongoDb)
    .collection('flights')
    .findOne({ _id: flightId as never });
const storedOffset = async (topic: string): Promise<unknown> => {
  const doc = await mongo
    .db(mongoDb)
    .collection('offsets')
    .findOne({ _id: `${topic}:0` as never });
  return doc?.['offset'];
};

beforeAll(async () => {
  await Promise.all([mongo.connect(), ...databases.map((database) => database.start())]);
  await Promise.all([first.start(), second.start()]);
});

afterAll(async () => {
  await Promise.all([mongo.close(), ...databases.map((database) => database.stop())]);
});

describe('two projector instances on one flight', () => {
  it('end at the newer version when the first, held before its write, finishes after the second (a new document)', async () => {
    const topic = uniqueName('flights-events');
    const flightId = `${uniqueName('LH')}-2026-12-01`;
    const stream = streamOf(topic, flightId, [scheduled(flightId), held(flightId, 2), held(flightId, 3)]);
    const slow = gated(first);
    const evicted = createFlightProjector(slow.store)(stream.slice(0, 2));
    await slow.atGate;
    await createFlightProjector(second)(stream);
    slow.open();
    await evicted;

    expect(await storedFlight(flightId)).toMatchObject({ version: 3, seatsTaken: 5, seatsLeft: 5 });
    expect(await storedOffset(topic)).toBe(2);
  });

  it('end at the newer version when the first, held before its write, finishes after the second (a stored document)', async () => {
    const topic = uniqueName('flights-events');
    const flightId = `${uniqueName('LH')}-2026-12-01`;
    const stream = streamOf(topic, flightId, [scheduled(flightId), held(flightId, 1), held(flightId, 2), held(flightId, 4)], 100);
    await createFlightProjector(first)(stream.slice(0, 1));
    const slow = gated(first);
    const evicted = createFlightProjector(slow.store)(stream.slice(1, 2));
    await slow.atGate;
    await createFlightProjector(second)(stream.slice(1));
    slow.open();
    await evicted;

    expect(await storedFlight(flightId)).toMatchObject({ version: 4, seatsTaken: 7, seatsLeft: 3 });
    expect(await storedOffset(topic)).toBe(103);
  });
});

describe('a flight at version 1', () => {
  it('refuses an event past the next version, retriably, and writes nothing of its batch', async () => {
    const topic = uniqueName('flights-events');
    const flightId = `${uniqueName('LH')}-2026-12-01`;
    const stream = streamOf(topic, flightId, [scheduled(flightId), held(flightId, 1), held(flightId, 2)], 200);
    await createFlightProjector(first)(stream.slice(0, 1));
    const gap = [stream[2]].flatMap((record) => (record === undefined ? [] : [record]));

    const refused = await createFlightProjector(first)(gap).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VersionGapError);
    expect(refused).toMatchObject({ retriable: true, streamId: flightId, appliedVersion: 1, incomingVersion: 3 });
    expect(await storedFlight(flightId)).toMatchObject({ version: 1, seatsTaken: 0 });

    await createFlightProjector(first)(stream.slice(1));
    expect(await storedFlight(flightId)).toMatchObject({ version: 3, seatsTaken: 3 });
  });
});

describe('a flight whose stream holds an event type flight-search does not know (a newer producer)', () => {
  it('counts the skipped version, applies the known event after it, and creates no document for a skipped event alone', async () => {
    const topic = uniqueName('flights-events');
    const flightId = `${uniqueName('LH')}-2026-12-01`;
    const [v1, v2, v3] = streamOf(topic, flightId, [scheduled(flightId), held(flightId, 1), held(flightId, 2)], 300);
    if (v1 === undefined || v2 === undefined || v3 === undefined) throw new Error('stream too short');
    const skipped = (streamId: string, streamVersion: number) => ({
      skipped: 'waggle.flights.FlightRenamed',
      streamId,
      eventId: randomUUID(),
      streamVersion,
      occurredAt: new Date().toISOString(),
    });
    await createFlightProjector(first)([v1, { ...v2, event: skipped(flightId, 2) }, v3]);
    expect(await storedFlight(flightId)).toMatchObject({ version: 3, seatsTaken: 2 });

    const unknownFlight = `${uniqueName('LH')}-2026-12-02`;
    await createFlightProjector(first)([{ ...v1, offset: '310', key: Buffer.from(unknownFlight), event: skipped(unknownFlight, 1) }]);
    expect(await storedFlight(unknownFlight)).toBeNull();
  });
});
