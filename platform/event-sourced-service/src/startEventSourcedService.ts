import { openMongoEventStore, type EventStore } from '@waggle/event-store';
import type { Db } from 'mongodb';
import { createHttpApp, startHttpServer, consumerStatus, statusRoute, type HttpServer, type Route } from '@waggle/http';
import { createConsumer, createProducer, createTopics, type Brokers, type Consumer } from '@waggle/kafka-bus';
import { toMessageFirstLogger as busLogger, type Logger } from '@waggle/observability';
import { createRelayService } from '@waggle/outbox-relay';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde, type AvroSerde } from '@waggle/serde';
import { decodeIncoming, type IncomingEvent } from './incomingEvent.ts';
import { refuseInvalidEvents } from './refuseInvalidEvents.ts';

/** The settings every event-sourced service has (from its validated config). */
export type ServiceSettings = {
  /** Service and bounded-context name, e.g. `bookings`: its schemas' namespace `waggle.<name>`. */
  readonly name: string;
  /** The topic the service publishes to (default `<name>.events`); also names its consumer groups. */
  readonly topic?: string;
  readonly kafkaBrokers: Brokers;
  readonly schemaRegistryUrl: string;
  readonly mongoUrl: string;
  readonly database: string;
  readonly port: number;
  readonly host?: string;
  readonly corsOrigins?: readonly string[];
  /** Partitions of the service's own topic when it has to be created. */
  readonly partitions?: number;
  /** Outbox lanes of the event store (fixed once the store exists). */
  readonly lanes?: number;
};

/** What routes and reactions get to do their work. */
export type ServiceDeps = {
  readonly store: EventStore;
  readonly db: Db;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Tell the relay that this process just appended, so it publishes without waiting for its next poll. */
  readonly appended: () => void;
};

/** Events of some topics handled by one consumer group; `handle` must be idempotent (redelivery happens). */
export type Reaction = {
  readonly name: string;
  readonly topics: readonly string[];
  readonly handle: (event: IncomingEvent) => Promise<void>;
};

export type EventSourcedServiceOptions = {
  readonly settings: ServiceSettings;
  readonly logger: Logger;
  readonly info: { title: string; version: string; description?: string };
  readonly routes: (deps: ServiceDeps) => readonly Route[];
  readonly reactions?: (deps: ServiceDeps) => readonly Reaction[];
};

export type RunningService = { readonly url: string; readonly deps: ServiceDeps; readonly stop: () => Promise<void> };

/**
 * Starts an event-sourced service: its event store in its own database, its Avro schemas registered under
 * `<name>.events`, the outbox relay (lanes leased among instances), its reactions as consumer groups and its
 * HTTP API. Command handlers only append; the relay publishes (no dual write).
 */
export const startEventSourcedService = async (options: EventSourcedServiceOptions): Promise<RunningService> => {
  const { settings, logger } = options;
  const topic = settings.topic ?? `${settings.name}.events`;
  const opened = await openMongoEventStore({
    url: settings.mongoUrl,
    database: settings.database,
    ...(settings.lanes ? { lanes: settings.lanes } : {}),
  });
  const schemas = loadSchemas();
  const serde = createAvroSerde({ registryUrl: settings.schemaRegistryUrl, schemas });
  await createTopics(settings.kafkaBrokers, [{ topic, partitions: settings.partitions ?? 3 }]);
  for (const schema of schemas.filter((s) => s.context === settings.name)) await serde.register(topic, schema.fullName);

  const fullNameFor = (eventType: string): string => `waggle.${settings.name}.${eventType}`;

  const producer = createProducer({ brokers: settings.kafkaBrokers, clientId: `${settings.name}-relay`, logger: busLogger(logger) });
  await producer.start();
  const relay = createRelayService({
    store: opened.store,
    serde,
    producer,
    brokers: settings.kafkaBrokers,
    serviceName: topic,
    routing: { source: `/waggle/${settings.name}`, topicFor: () => topic, fullNameFor: (event) => fullNameFor(event.type) },
    logger: { info: (fields, message) => logger.info(fields, message), error: (fields, message) => logger.error(fields, message) },
  });
  await relay.start();

  const deps: ServiceDeps = {
    store: refuseInvalidEvents(opened.store, serde, fullNameFor),
    db: opened.db,
    serde,
    logger,
    appended: () => relay.wake(),
  };
  const reactions = options.reactions?.(deps) ?? [];
  await createTopics(
    settings.kafkaBrokers,
    [...new Set(reactions.flatMap((r) => r.topics))].map((t) => ({ topic: t, partitions: settings.partitions ?? 3 })),
  );
  const consumers: Consumer[] = reactions.map((reaction) =>
    createConsumer<IncomingEvent>({
      brokers: settings.kafkaBrokers,
      groupId: `${topic}.${reaction.name}`,
      clientId: `${settings.name}-${reaction.name}`,
      topics: reaction.topics,
      fromBeginning: true,
      decode: decodeIncoming(serde),
      logger: busLogger(logger),
      handle: async (record) => {
        if (record.event) await reaction.handle(record.event);
      },
    }),
  );
  await Promise.all(consumers.map((c) => c.start()));

  const status = statusRoute(async () => ({
    service: settings.name,
    outbox: { lanes: relay.status().map((lane) => ({ ...lane })) },
    consumers: await Promise.all(reactions.map((reaction, i) => consumerStatus(`${topic}.${reaction.name}`, () => consumers[i]!.lag()))),
  }));
  const app = createHttpApp({
    logger,
    info: options.info,
    routes: [...options.routes(deps), status],
    ready: opened.ping,
    ...(settings.corsOrigins ? { corsOrigins: settings.corsOrigins } : {}),
  });
  const server: HttpServer = await startHttpServer(app, { port: settings.port, ...(settings.host ? { host: settings.host } : {}) });
  logger.info({ url: server.url, topic }, `${settings.name} listening on ${server.url}`);

  return {
    url: server.url,
    deps,
    stop: async () => {
      await server.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await relay.stop();
      await producer.stop();
      await opened.close();
    },
  };
};
