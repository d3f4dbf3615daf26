import { hostname } from 'node:os';
import { isRetriable } from '@waggle/errors';
import { createConsumer, createProducer, createTopics, type Brokers, type Consumer, type EventMeta } from '@waggle/kafka-bus';
import { childTraceparent, toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import { outputTooLarge } from './outputLimit.ts';
import { sagaTopics, type SagaTopics } from './sagaTopics.ts';
import {
  decodeTaskDelivery,
  taskResultType,
  toSagaRecord,
  toTaskResultData,
  type Task,
  type TaskDelivery,
  type TaskOutcome,
} from './taskRecords.ts';

/** What a handler gets besides the task: the command id its effect must use, and the cause to carry on. */
export type TaskContext = {
  /** `<taskId>:<retryCount>`: pass it as handleCommand's command id, so a redelivered task has one effect. */
  readonly commandId: string;
  readonly correlationId: string;
  /** The TaskCommand record's id: the cause of the effect. */
  readonly causationId: string;
  readonly traceparent: string;
  readonly meta: EventMeta;
};

/** A handler for one task type. A retriable error is retried (the record waits); any other error fails the attempt. */
export type TaskHandler = {
  readonly taskType: string;
  readonly execute: (task: Task, context: TaskContext) => Promise<TaskOutcome>;
};

export type TaskWorkerOptions = {
  readonly brokers: Brokers;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Names the worker's consumer group `<name>.tasks` (the context, e.g. `flights`). */
  readonly name: string;
  readonly handlers: readonly TaskHandler[];
  readonly topics?: SagaTopics;
  /** Reported as the result's workerId (default: `<name>@<host>:<pid>`). */
  readonly workerId?: string;
  /** Partitions of the task topics when this worker creates them. */
  readonly partitions?: number;
  /** The consumer group's session timeout (default 30 s): how soon a dead worker's tasks go to another one. */
  readonly sessionTimeoutMs?: number;
};

export type TaskWorker = {
  readonly start: () => Promise<void>;
  readonly stop: () => Promise<void>;
  readonly consumer: () => Consumer | undefined;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs saga tasks of the given types from their Kafka task topics and answers each on the coordinator's inputs topic.
 * Delivery is at least once; a handler that runs its effect through handleCommand with `context.commandId` applies it
 * once and, redelivered, finds the first outcome again and answers the same. A result is published only after the
 * effect is durable, so a crash in between answers again after the redelivery.
 */
export const createTaskWorker = (options: TaskWorkerOptions): TaskWorker => {
  const topics = options.topics ?? sagaTopics();
  const byTopic = new Map(options.handlers.map((handler) => [topics.tasks(handler.taskType), handler]));
  if (byTopic.size !== options.handlers.length) throw new Error('two handlers for one task type');
  const workerId = options.workerId ?? `${options.name}@${hostname()}:${process.pid}`;
  const source = `/waggle/${options.name}/task-worker`;
  const busLogger = toMessageFirstLogger(options.logger);
  const producer = createProducer({ brokers: options.brokers, clientId: `${options.name}-task-results`, logger: busLogger });
  let consumer: Consumer | undefined;

  const answer = async (task: Task, context: TaskContext, outcome: TaskOutcome): Promise<void> => {
    const record = await toSagaRecord(options.serde, {
      topic: topics.inputs,
      fullName: taskResultType,
      key: task.workflowId,
      data: toTaskResultData({ ...outcome, workflowId: task.workflowId, taskId: task.taskId, workerId, retryCount: task.retryCount }),
      source,
      cause: { correlationId: context.correlationId, causationId: context.causationId, traceparent: context.traceparent },
    });
    await producer.send([record]);
  };

  const run = async (delivery: TaskDelivery, topic: string): Promise<void> => {
    if (delivery.kind === 'canceled') {
      options.logger.debug({ taskId: delivery.taskId, workflowId: delivery.workflowId }, 'task canceled by the coordinator');
      return;
    }
    const handler = byTopic.get(topic);
    if (handler === undefined) return;
    const { task, meta } = delivery;
    const context: TaskContext = {
      commandId: `${task.taskId}:${task.retryCount}`,
      correlationId: meta.correlationId,
      causationId: meta.id,
      traceparent: childTraceparent(meta.traceparent),
      meta,
    };
    // the coordinator times out a task nobody took within its def's pollTimeoutSeconds: this worker took it
    if ((task.pollTimeoutSeconds ?? 0) > 0) await answer(task, context, { status: 'IN_PROGRESS' });
    let outcome: TaskOutcome;
    try {
      outcome = await handler.execute(task, context);
    } catch (error) {
      if (isRetriable(error)) throw error;
      options.logger.warn({ err: error, taskId: task.taskId, taskType: task.taskType }, 'task failed');
      outcome = { status: 'FAILED', reasonForIncompletion: messageOf(error) };
    }
    // an output that cannot travel fails the task for good, instead of a result that never arrives
    const tooLarge = outputTooLarge(outcome.outputData);
    if (tooLarge !== undefined) {
      options.logger.warn({ taskId: task.taskId, taskType: task.taskType }, tooLarge);
      outcome = { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: tooLarge };
    }
    await answer(task, context, outcome);
  };

  return {
    consumer: () => consumer,
    start: async () => {
      await createTopics(options.brokers, [
        { topic: topics.inputs, partitions: options.partitions ?? 3 },
        ...[...byTopic.keys()].map((topic) => ({ topic, partitions: options.partitions ?? 3 })),
      ]);
      await producer.start();
      consumer = createConsumer<TaskDelivery>({
        brokers: options.brokers,
        groupId: `${options.name}.tasks`,
        clientId: `${options.name}-tasks`,
        topics: [...byTopic.keys()],
        fromBeginning: true,
        decode: decodeTaskDelivery(options.serde),
        logger: busLogger,
        ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
        handle: async (record) => {
          if (record.event) await run(record.event, record.topic);
        },
      });
      await consumer.start();
    },
    stop: async () => {
      await consumer?.stop();
      await producer.stop();
    },
  };
};
