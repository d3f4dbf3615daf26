import { NotFoundError, RuleViolationError, UndecodableError } from '@waggle/errors';
import { consumerStatus, type ServiceStatus } from '@waggle/http';
import { createConsumer, createTopics, fromEventHeaders, pinGroupStart, type Consumer, type ConsumedRecord } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import type { ApiDeps } from '../api/apiDeps.ts';
import { startWorkflow } from '../api/startWorkflow.ts';
import { topicOf, type EventHandler } from './eventHandler.ts';
import type { EventHandlerStore } from './eventHandlerStore.ts';
import { decideEventActions, toEventPayload, type EventPayload } from './eventActions.ts';

type ConsumerStatus = ServiceStatus['consumers'][number];

/**
 * The consumers behind the event handlers: one consumer group per topic that an active handler listens to
 * (`<service>.events.<topic>`, so instances share a topic's partitions and each event is handled once), started and
 * stopped as handlers come and go (this instance's changes at once, other instances' within `refreshMs`). A record
 * is decoded by its schema (any Avro record in Confluent wire format), offered to each active handler of its topic,
 * and each start waits until the execution's owner applied it: a crash before then redelivers the event, and the
 * idempotency key makes that the same execution. A group new to a topic starts at its end: a handler reacts to
 * events published once it is in place, not to a topic's history.
 */
export const createEventHandlerConsumers = (options: {
  readonly api: ApiDeps;
  readonly handlers: EventHandlerStore;
  readonly serde: AvroSerde;
  readonly brokers: readonly string[];
  readonly serviceName: string;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  readonly refreshMs?: number;
}) => {
  const { api, handlers, serde, logger } = options;
  const consumers = new Map<string, Consumer>();
  let byTopic = new Map<string, EventHandler[]>();
  let refreshing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const groupOf = (topic: string) => `${options.serviceName}.events.${topic}`;

  const handle = async (record: ConsumedRecord<EventPayload>): Promise<void> => {
    const payload = record.event;
    if (payload === undefined) return;
    for (const handler of byTopic.get(record.topic) ?? []) {
      const decision = decideEventActions(handler, payload, api.scripts);
      if (!decision.matched) continue;
      for (const start of decision.starts) {
        try {
          const workflowId = await startWorkflow(api, start, { correlationId: payload.correlationid, causationId: payload.id });
          logger.debug({ handler: handler.name, eventId: payload.id, workflowId }, 'event handler started a workflow');
        } catch (error) {
          // a refused start (no such workflow, a key used with FAIL) would be refused again: logged, not retried
          if (!(error instanceof NotFoundError || error instanceof RuleViolationError)) throw error;
          logger.warn(
            {
              handler: handler.name,
              workflow: start.name,
              eventId: payload.id,
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              err: error,
            },
            `event handler ${handler.name} could not start ${start.name}: ${error.message}`,
          );
        }
      }
    }
  };

  const decode = async (record: ConsumedRecord<never>): Promise<EventPayload> => {
    if (!record.value) throw new UndecodableError(`record ${record.topic}/${record.partition}/${record.offset} has no value`);
    const decoded = await serde.decode(record.value);
    const data = JSON.parse(JSON.stringify(decoded.data)) as Record<string, unknown>;
    return toEventPayload(fromEventHeaders(record.headers), data, {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    });
  };

  const startConsumer = async (topic: string): Promise<void> => {
    await createTopics(options.brokers, [{ topic, partitions: 3 }]);
    // "starts at its end" is written down before the first fetch, so an instance that crashes before it commits
    // leaves its successor where it started, not at a later end past the events published meanwhile
    try {
      const pinned = await pinGroupStart(options.brokers, groupOf(topic), topic, { clientId: `${options.serviceName}-events` });
      if (pinned.length > 0)
        logger.info({ topic, group: groupOf(topic), partitions: pinned }, `event handlers start at the end of ${topic}`);
    } catch (error) {
      // another instance is in the group already (it cannot be set then): its offsets decide
      logger.debug({ err: error, topic }, 'the start of the event handlers group was not pinned');
    }
    const consumer = createConsumer<EventPayload>({
      brokers: options.brokers,
      groupId: groupOf(topic),
      clientId: `${options.serviceName}-events`,
      topics: [topic],
      fromBeginning: false,
      sessionTimeoutMs: options.sessionTimeoutMs,
      decode,
      logger: toMessageFirstLogger(logger),
      handle,
    });
    consumers.set(topic, consumer);
    await consumer.start();
    logger.info({ topic, group: groupOf(topic) }, `event handlers listen to ${topic}`);
  };

  const refresh = async (): Promise<void> => {
    const next = new Map<string, EventHandler[]>();
    for (const handler of await handlers.list()) {
      const topic = topicOf(handler);
      if (topic === undefined || handler.active === false) continue;
      next.set(topic, [...(next.get(topic) ?? []), handler]);
    }
    byTopic = next;
    if (stopped) return;
    for (const topic of next.keys()) if (!consumers.has(topic)) await startConsumer(topic);
    for (const [topic, consumer] of [...consumers]) {
      if (next.has(topic)) continue;
      consumers.delete(topic);
      await consumer.stop();
    }
  };
  const scheduleRefresh = (): Promise<void> => {
    refreshing = refreshing
      .then(refresh)
      .catch((error: unknown) => logger.warn({ err: error }, 'reading the event handlers failed; trying again'));
    return refreshing;
  };

  return {
    start: async (): Promise<void> => {
      handlers.onChange(() => void scheduleRefresh());
      await refresh();
      timer = setInterval(() => void scheduleRefresh(), options.refreshMs ?? 5_000);
      timer.unref();
    },
    statuses: (): Promise<ConsumerStatus[]> =>
      Promise.all([...consumers].map(([topic, consumer]) => consumerStatus(groupOf(topic), consumer))),
    crashed: (): string | undefined => {
      for (const [topic, consumer] of consumers)
        if (consumer.status().state === 'crashed') return `${topic}: ${consumer.status().error ?? ''}`;
      return undefined;
    },
    stop: async (): Promise<void> => {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await refreshing;
      await Promise.all([...consumers.values()].map((consumer) => consumer.stop()));
      consumers.clear();
    },
  };
};

export type EventHandlerConsumers = ReturnType<typeof createEventHandlerConsumers>;
