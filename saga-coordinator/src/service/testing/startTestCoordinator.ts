import type { Decider, EventStore } from '@waggle/event-store';
import { createLogger } from '@waggle/observability';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { commandTask, createTaskWorker, sagaTopics, type Task, type TaskOutcome, type TaskWorker } from '@waggle/task-worker';
import { loadConfig, type CoordinatorConfig } from '../config.ts';
import { startCoordinator, type RunningCoordinator } from '../startCoordinator.ts';

/** The stack a test runs against, as vitest's global setup provides it. */
export type TestStack = { readonly kafkaBrokers: string; readonly schemaRegistryUrl: string; readonly mongoUrl: string };

/** A coordinator on its own topics and database, as a test starts it in-process. */
export const testCoordinatorConfig = (
  stack: TestStack,
  names: { prefix: string; database: string },
  env: Record<string, string> = {},
): CoordinatorConfig =>
  loadConfig({
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: names.database,
    PORT: '0',
    SAGA_TOPIC_PREFIX: names.prefix,
    SAGA_PARTITIONS: '3',
    SAGA_TIMER_SHARDS: '3',
    // the airline's definitions are the e2e tests' business: a test coordinator starts with none
    SAGA_WORKFLOWS_DIR: 'none',
    // the correlation index would read the shared stack's airline topics from their beginning: a test asks for it
    SAGA_CORRELATION_TOPICS: 'none',
    LOG_LEVEL: process.env['SAGA_TEST_LOG_LEVEL'] ?? 'silent',
    ...env,
  });

export const startTestCoordinator = (config: CoordinatorConfig): Promise<RunningCoordinator> =>
  startCoordinator(config, createLogger({ service: 'saga-coordinator-test', level: config.logLevel }));

type Ran = { readonly type: 'Run'; readonly taskId: string };
type RanEvent = { readonly type: 'TaskRan'; readonly data: { readonly taskId: string } };
/** One event per task effect, in a stream per task type: counting them counts effects. */
const effects: Decider<Ran, RanEvent, { runs: number }> = {
  initialState: () => ({ runs: 0 }),
  decide: (command) => [{ type: 'TaskRan', data: { taskId: command.taskId } }],
  evolve: (state) => ({ runs: state.runs + 1 }),
};

/** How a generic test worker answers a task (default: COMPLETED with `{op: '<ref>.op', uuid: <taskId>}`). */
export type TestAnswer = (task: Task) => TaskOutcome;
export const echo: TestAnswer = (task) => ({ status: 'COMPLETED', outputData: { op: `${task.referenceTaskName}.op`, uuid: task.taskId } });

/**
 * Generic workers over Kafka for the given task types: each effect is one event (through handleCommand with the
 * task's command id) in the stream `effects-<taskType>` of `store`, so a test counts effects per task attempt.
 */
export const startTestWorkers = async (
  stack: TestStack,
  options: { prefix: string; name: string; store: EventStore; taskTypes: readonly string[]; answer?: TestAnswer },
): Promise<TaskWorker> => {
  const answer = options.answer ?? echo;
  const worker = createTaskWorker({
    brokers: [stack.kafkaBrokers],
    serde: createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() }),
    logger: createLogger({ service: 'test-workers', level: process.env['SAGA_TEST_LOG_LEVEL'] ?? 'silent' }),
    name: options.name,
    topics: sagaTopics(options.prefix),
    handlers: options.taskTypes.map((taskType) =>
      commandTask({
        taskType,
        store: options.store,
        decider: effects,
        toCommand: (task) => ({ streamId: `effects-${taskType}`, command: { type: 'Run' as const, taskId: task.taskId } }),
        toOutcome: (_result, task) => answer(task),
      }),
    ),
  });
  await worker.start();
  return worker;
};

/** Effects per task attempt (`<taskId>:<attempt>` → count) recorded by the test workers. */
export const countEffects = async (store: EventStore, taskTypes: readonly string[]): Promise<Map<string, number>> => {
  const counts = new Map<string, number>();
  for (const taskType of taskTypes)
    for (const event of (await store.readStream(`effects-${taskType}`)).events) {
      const key = event.metadata.commandId ?? '';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  return counts;
};
