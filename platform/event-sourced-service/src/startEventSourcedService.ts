import { TransientError } from '@waggle/errors';
import { setTimeout as delay } from 'node:timers/promises';
import { openMongoEventStore, type EventStore } from '@waggle/event-store';
import type { Db } from 'mongodb';
import { createHttpApp, startHttpServer, consumerStatus, statusRoute, type HttpServer, type Route } from '@waggle/http';
import { createConsumer, createProducer, createTopics, type Brokers, type Consumer } from '@waggle/kafka-bus';
import { toMessageFirstLogger as busLogger, type Logger } from '@waggle/observability';
import { createMongoRelayLedger, createRelayService } from '@waggle/outbox-relay';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde, type AvroSerde } from '@waggle/serde';
import { decodeIncoming, type IncomingEvent } from './incomingEvent.ts';
import { refuseInvalidEvents } from './refuseInvalidEvents.ts';
import { trackAppends } from './trackAppends.ts';

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
  /**
   * How long `stop()` may take per phase (default 5 s each): requests in flight to finish, then the relay to publish
   * what this process appended. What is left after that is published by the next owner of its lane.
   */
  readonly stopDeadlineMs?: number;
};

/** What routes and reactions get to do their work. */
export type ServiceDeps = {
  readonly store: EventStore;
  readonly db: Db;
  readonly serde: AvroSerde;
  readonly logger: Logger;
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

export type RunningService = {
  readonly url: string;
  readonly deps: ServiceDeps;
  /**
   * A graceful stop, bounded in time: the HTTP API stops taking requests (503 on open connections) and finishes those
   * in flight, reactions finish their batch, commit and leave their groups, the relay publishes what this process
   * appended, then everything disconnects.
   */
  readonly stop: () => Promise<void>;
};

/** Waits until the relay has published every append of this process on the lanes it owns, or until the deadline. */
const publishOwnAppends = async (
  relay: { status(): readonly { lane: number; cursor: number }[]; wake(): void },
  unpublished: (cursors: ReadonlyMap<number, number>) => number[],
  deadlineMs: number,
  logger: Logger,
): Promise<void> => {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const waiting = unpublished(new Map(relay.status().map((lane) => [lane.lane, lane.cursor])));
    if (waiting.length === 0) return;
    if (Date.now() >= deadline) {
      logger.warn(
        { lanes: waiting },
        'stopping before the relay published every append of this process; the next owner of those lanes will',
      );
      return;
    }
    relay.wake();
    await delay(10);
  }
};

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
  let onAppend: (lane: number) => void = () => undefined;
  const appends = trackAppends(refuseInvalidEvents(opened.store, serde, fullNameFor), (lane) => onAppend(lane));

  const producer = createProducer({ brokers: settings.kafkaBrokers, clientId: `${settings.name}-relay`, logger: busLogger(logger) });
  await producer.start();
  const relay = createRelayService({
    store: opened.store,
    ledger: createMongoRelayLedger({ db: opened.db }),
    serde,
    producer,
    brokers: settings.kafkaBrokers,
    serviceName: topic,
    routing: { source: `/waggle/${settings.name}`, topicFor: () => topic, fullNameFor: (event) => fullNameFor(event.type) },
    logger: { info: (fields, message) => logger.info(fields, message), error: (fields, message) => logger.error(fields, message) },
  });
  onAppend = (lane) => relay.appended(lane);
  await relay.start();

  // an append through `store` wakes the relay of its lane (or signals the lane's holder): nothing else need tell it
  const deps: ServiceDeps = { store: appends.store, db: opened.db, serde, logger };
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
    outbox: await relay.overview(),
    consumers: await Promise.all(reactions.map((reaction, i) => consumerStatus(`${topic}.${reaction.name}`, consumers[i]!))),
  }));
  const app = createHttpApp({
    logger,
    info: options.info,
    routes: [...options.routes(deps), status],
    ready: async () => {
      // a crashed reaction consumes nothing while the API keeps taking commands whose follow-ups never come
      const crashed = consumers.map((c) => c.status()).find((s) => s.state === 'crashed');
      if (crashed !== undefined) throw new TransientError(`a reaction's consumer crashed and consumes nothing: ${crashed.error ?? ''}`);
      await opened.ping();
    },
    ...(settings.corsOrigins ? { corsOrigins: settings.corsOrigins } : {}),
  });
  const stopDeadlineMs = settings.stopDeadlineMs ?? 5_000;
  const server: HttpServer = await startHttpServer(app, {
    port: settings.port,
    stopDeadlineMs,
    ...(settings.host ? { host: settings.host } : {}),
  });
  logger.info({ url: server.url, topic }, `${settings.name} listening on ${server.url}`);

  return {
    url: server.url,
    deps,
    stop: async () => {
      await server.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await publishOwnAppends(relay, appends.unpublished, stopDeadlineMs, logger);
      await relay.stop();
      await producer.stop();
      await opened.close();
    },
  };
};
