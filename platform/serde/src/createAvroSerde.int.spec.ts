import { TransientError, UndecodableError, ValidationError } from '@waggle/errors';
import { loadSchemas } from '@waggle/schemas';
import { createTcpProxy, uniqueName, waitFor } from '@waggle/testing';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAvroSerde } from './createAvroSerde.ts';

const stack = inject('stack');
const schemas = loadSchemas();
const kafka = new Kafka({ clientId: 'serde-int', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true });

const registryGet = async (path: string): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(`${stack.schemaRegistryUrl}${path}`);
  const body: unknown = await response.json();
  return { status: response.status, body };
};

const schemaOf = (fullName: string): avro.Schema => {
  const found = schemas.find((s) => s.fullName === fullName);
  if (found === undefined) throw new Error(`no schema ${fullName}`);
  return found.schema as avro.Schema;
};

const createTopic = async (): Promise<string> => {
  const topic = uniqueName('serde');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
};

/** Reads the topic from the beginning until `count` records arrived. */
const readTopic = async (topic: string, count: number): Promise<KafkaMessage[]> => {
  const received: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('serde-group'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      received.push(message);
      return Promise.resolve();
    },
  });
  await waitFor(() => received.length >= count, { description: `${count} records on ${topic}` });
  await consumer.disconnect();
  return received;
};

const bookingRequested = {
  bookingId: 'B-1',
  customerId: 'C-7',
  flightId: 'LH400-2026-12-01',
  passengers: [
    { firstName: 'Ada', lastName: 'Lovelace' },
    { firstName: 'Alan', lastName: 'Turing' },
  ],
  seats: 2,
  paymentToken: 'tok_visa',
};
const flightScheduled = {
  flightId: 'LH400-2026-12-01',
  flightNumber: 'LH400',
  date: '2026-12-01',
  origin: 'FRA',
  destination: 'JFK',
  departureTime: '2026-12-01T10:05:00+01:00',
  capacity: 180,
  fareCents: 64_900,
  currency: 'EUR',
};
const checkInOpened = { bookingId: 'B-1', flightId: 'LH400-2026-12-01', closesAt: null, passengers: ['Ada Lovelace'] };
const flightCancelled = { flightId: 'LH400-2026-12-01', reason: 'weather' };

beforeAll(async () => {
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
});

describe('an Avro serde on the real registry', () => {
  it('round-trips several event types on one topic through Kafka, in Confluent wire format', async () => {
    const topic = await createTopic();
    const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas });
    const events = [
      { fullName: 'waggle.bookings.BookingRequested', data: bookingRequested },
      { fullName: 'waggle.flights.FlightScheduled', data: flightScheduled },
      { fullName: 'waggle.checkin.CheckInOpened', data: checkInOpened },
    ];
    const values = await Promise.all(events.map((event) => serde.encode(topic, event.fullName, event.data)));
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'B-1', value })) });

    const received = await readTopic(topic, 3);
    // a fresh serde decodes with ids it has never seen, so the writer schemas come from the registry
    const reader = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas });
    const decoded = await Promise.all(received.map((message) => reader.decode(message.value ?? Buffer.alloc(0))));
    expect(decoded.map((d) => d.fullName)).toEqual(events.map((e) => e.fullName));
    expect(decoded.map((d) => ({ ...(d.data as object) }))).toEqual(events.map((e) => e.data));

    for (const [i, event] of events.entries()) {
      const value = received[i]?.value ?? Buffer.alloc(0);
      const subject = `${topic}-${event.fullName}`;
      const schemaId = await serde.register(topic, event.fullName);
      expect(value.readUInt8(0)).toBe(0);
      expect(value.readInt32BE(1)).toBe(schemaId);
      expect(decoded[i]?.schemaId).toBe(schemaId);
      expect(value.subarray(5)).toEqual(avro.Type.forSchema(schemaOf(event.fullName)).toBuffer(event.data));
      expect(await registryGet(`/subjects/${subject}/versions/latest`)).toMatchObject({ status: 200, body: { id: schemaId, version: 1 } });
      expect(await registryGet(`/config/${subject}`)).toEqual({ status: 200, body: { compatibilityLevel: 'BACKWARD_TRANSITIVE' } });
    }
    const { body: subjects } = await registryGet('/subjects');
    expect((subjects as string[]).filter((s) => s.startsWith(`${topic}-`)).sort()).toEqual(
      events.map((e) => `${topic}-${e.fullName}`).sort(),
    );
  });

  it('reads an event written with an older schema with the current one (writer/reader resolution)', async () => {
    const topic = await createTopic();
    const current = schemaOf('waggle.checkin.CheckInOpened') as { fields: { name: string }[] };
    const older = { ...current, fields: current.fields.filter((field) => field.name !== 'closesAt' && field.name !== 'passengers') };
    const oldService = createAvroSerde({
      registryUrl: stack.schemaRegistryUrl,
      schemas: [{ fullName: 'waggle.checkin.CheckInOpened', schema: older }],
    });
    const bytes = await oldService.encode(topic, 'waggle.checkin.CheckInOpened', { bookingId: 'B-2', flightId: 'LH400-2026-12-01' });

    const newService = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas });
    const decoded = await newService.decode(bytes);
    expect(decoded.data).toEqual({ bookingId: 'B-2', flightId: 'LH400-2026-12-01', closesAt: null, passengers: [] });
    // the current schema is a compatible second version of the same subject
    const newId = await newService.register(topic, 'waggle.checkin.CheckInOpened');
    expect(newId).not.toBe(decoded.schemaId);
    expect(await registryGet(`/subjects/${topic}-waggle.checkin.CheckInOpened/versions`)).toEqual({ status: 200, body: [1, 2] });
  });

  it('refuses data that breaks its schema with field paths, and registers nothing', async () => {
    const topic = await createTopic();
    const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas });
    const bad = {
      ...bookingRequested,
      passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }, { firstName: 'Alan' }],
      seats: '2',
      extra: 1,
    };
    const failure = serde.encode(topic, 'waggle.bookings.BookingRequested', bad);
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({
      retriable: false,
      details: [
        { path: 'passengers[1].lastName', message: 'missing, expected string' },
        { path: 'seats', message: 'expected int, got "2"' },
      ],
    });
    expect(serde.validate('waggle.bookings.BookingRequested', { ...bookingRequested, extra: 1 })).toEqual([
      { path: 'extra', message: 'not declared in waggle.bookings.BookingRequested' },
    ]);
    expect((await registryGet(`/subjects/${topic}-waggle.bookings.BookingRequested/versions`)).status).toBe(404);
  });

  it('registers one subject from several processes at once: each gets the same id, none is refused', async () => {
    // Apicurio answers the loser of two concurrent compatibility writes 409 "rule COMPATIBILITY already exists"
    const topic = await createTopic();
    const serdes = Array.from({ length: 6 }, () => createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas }));
    const ids = await Promise.all(serdes.map((serde) => serde.register(topic, 'waggle.flights.SeatsHeld')));
    expect(new Set(ids).size).toBe(1);
    expect(await registryGet(`/config/${topic}-waggle.flights.SeatsHeld`)).toMatchObject({ status: 200 });
  });

  it('throws UndecodableError, not retriable, for bytes that are not an event', async () => {
    const topic = await createTopic();
    const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas });
    const good = await serde.encode(topic, 'waggle.flights.FlightScheduled', flightScheduled);
    const unknownId = Buffer.from(good);
    unknownId.writeInt32BE(2_000_000_000, 1);
    const badInputs = {
      'a bad magic byte': Buffer.concat([Buffer.from([1]), good.subarray(1)]),
      'fewer than 5 bytes': Buffer.from([0, 0, 0]),
      'a schema id the registry does not know': unknownId,
      'a truncated Avro body': good.subarray(0, good.length - 3),
      'bytes left over after the body': Buffer.concat([good, Buffer.from([1, 2, 3])]),
    };
    for (const [what, bytes] of Object.entries(badInputs)) {
      await expect(serde.decode(bytes), what).rejects.toBeInstanceOf(UndecodableError);
      await expect(serde.decode(bytes), what).rejects.toMatchObject({ retriable: false });
    }
    expect((await serde.decode(good)).data).toEqual(flightScheduled);
  });
});

describe('an Avro serde whose registry stops after warm-up', () => {
  const url = new URL(stack.schemaRegistryUrl);
  const proxy = createTcpProxy({ target: { host: url.hostname, port: Number(url.port) } });

  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('keeps encoding and decoding known types, fails new ones with TransientError, and recovers', async () => {
    const topic = await createTopic();
    const viaProxy = new URL(stack.schemaRegistryUrl);
    viaProxy.port = String(proxy.port);
    const registryUrl = viaProxy.toString().replace(/\/$/, '');
    const producing = createAvroSerde({ registryUrl, schemas, requestTimeoutMs: 2000 });
    const consuming = createAvroSerde({ registryUrl, schemas, requestTimeoutMs: 2000 });
    const direct = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas });
    const produce = async (fullName: string, data: unknown): Promise<void> => {
      const value = await producing.encode(topic, fullName, data);
      await producer.send({ topic, acks: -1, messages: [{ key: 'B-1', value }] });
    };

    // warm-up: both ids are learnt, by the producer on register and by the consumer on decode
    await produce('waggle.bookings.BookingRequested', bookingRequested);
    await produce('waggle.flights.FlightScheduled', flightScheduled);
    for (const message of await readTopic(topic, 2)) await consuming.decode(message.value ?? Buffer.alloc(0));
    // written by another service straight to the registry: an id the consumer has never seen
    const unseen = await direct.encode(topic, 'waggle.loyalty.PointsEarned', {
      memberId: 'M-1',
      bookingId: 'B-1',
      points: 120,
      reason: 'flight',
    });

    await proxy.cut();
    await produce('waggle.bookings.BookingRequested', bookingRequested);
    await produce('waggle.flights.FlightScheduled', flightScheduled);
    const duringCut = await readTopic(topic, 4);
    const decoded = await Promise.all(duringCut.map((message) => consuming.decode(message.value ?? Buffer.alloc(0))));
    expect(decoded.map((d) => d.fullName)).toEqual([
      'waggle.bookings.BookingRequested',
      'waggle.flights.FlightScheduled',
      'waggle.bookings.BookingRequested',
      'waggle.flights.FlightScheduled',
    ]);
    const neverRegistered = produce('waggle.flights.FlightCancelled', flightCancelled);
    await expect(neverRegistered).rejects.toBeInstanceOf(TransientError);
    await expect(neverRegistered).rejects.toMatchObject({ retriable: true });
    await expect(consuming.decode(unseen)).rejects.toBeInstanceOf(TransientError);
    expect((await registryGet(`/subjects/${topic}-waggle.flights.FlightCancelled/versions`)).status).toBe(404);

    await proxy.restore();
    await produce('waggle.flights.FlightCancelled', flightCancelled);
    expect((await consuming.decode(unseen)).data).toEqual({ memberId: 'M-1', bookingId: 'B-1', points: 120, reason: 'flight' });
    const all = await readTopic(topic, 5);
    const fullNames = await Promise.all(all.map(async (message) => (await consuming.decode(message.value ?? Buffer.alloc(0))).fullName));
    // nothing was produced for the failed attempt: exactly the five successful sends are on the topic
    expect(fullNames).toEqual([
      'waggle.bookings.BookingRequested',
      'waggle.flights.FlightScheduled',
      'waggle.bookings.BookingRequested',
      'waggle.flights.FlightScheduled',
      'waggle.flights.FlightCancelled',
    ]);
  });
});
