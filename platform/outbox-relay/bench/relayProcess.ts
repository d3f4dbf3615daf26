// One relay process of the relay benchmark's scale-out case: it relays the lanes the benchmark gives it, as a
// service instance relays the lanes its lease group assigned to it. Talks to the benchmark over IPC.
import { createMongoEventStore } from '@waggle/event-store';
import { createProducer } from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import { MongoClient } from 'mongodb';
import { createKafkaRecordMapper, createMongoRelayLedger, createOutboxRelay } from '../src/index.ts';
import { newEvent, schema } from './benchRecords.ts';

export type RelayProcessSettings = {
  readonly mongoUrl: string;
  readonly db: string;
  readonly lanes: number;
  readonly brokers: string;
  readonly registryUrl: string;
  readonly topic: string;
};
export type ToRelayProcess = { readonly go: readonly number[] } | { readonly stop: true };
export type FromRelayProcess = { readonly ready: true } | { readonly published: number };

const settings = JSON.parse(process.env['RELAY_PROCESS'] ?? '{}') as RelayProcessSettings;
const send = (message: FromRelayProcess): void => void process.send?.(message);

const client = new MongoClient(settings.mongoUrl, { maxPoolSize: 32 });
await client.connect();
const store = createMongoEventStore({ db: client.db(settings.db), lanes: settings.lanes });
await store.start();
const producer = createProducer({ brokers: settings.brokers, clientId: `bench-relay-${process.pid}` });
await producer.start();
const serde = createAvroSerde({ registryUrl: settings.registryUrl, schemas: [schema] });
const toRecords = createKafkaRecordMapper(serde, {
  source: '/waggle/bench',
  topicFor: () => settings.topic,
  fullNameFor: () => schema.fullName,
});
// warm up as a running service is: schema id known, topic metadata fetched, connections open
await producer.send(await toRecords([{ ...newEvent(0), streamId: 'warm-up', version: 1 }]));
const ledger = createMongoRelayLedger({ db: client.db(settings.db) });
const relay = createOutboxRelay({ store, ledger, toRecords, publish: (records) => producer.send(records) });

let reporter: NodeJS.Timeout | undefined;
process.on('message', (message: ToRelayProcess) => {
  if ('go' in message) {
    void relay.start(message.go);
    reporter = setInterval(() => send({ published: relay.status().reduce((sum, lane) => sum + lane.published, 0) }), 5);
    return;
  }
  clearInterval(reporter);
  void (async () => {
    await relay.stop();
    await producer.stop();
    await client.close();
    process.exit(0);
  })();
});
process.on('disconnect', () => process.exit(1));
send({ ready: true });
