import { TransientError } from '@waggle/errors';
import { openMongoEventStore } from '@waggle/event-store';
import { consumerStatus, createHttpApp, startHttpServer, statusRoute } from '@waggle/http';
import { createConsumer, createProducer, createTopics } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import { toOutboxOverview } from '@waggle/outbox-relay';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { createTaskWorker, sagaTopics } from '@waggle/task-worker';
import { createExecutionDecider } from '../engine/decide.ts';
import { createEventHandlerConsumers } from '../events/createEventHandlerConsumers.ts';
import { eventHandlerRoutes } from '../events/eventHandlerRoutes.ts';
import { createEventHandlerStore } from '../events/eventHandlerStore.ts';
import { registerBundledDefinitions } from '../events/registerBundledDefinitions.ts';
import { createScriptSandbox } from '../engine/createScriptSandbox.ts';
import { toConductorApp } from '../api/conductorApp.ts';
import { startDashboard } from '../dashboard/startDashboard.ts';
import { startCorrelationIndex } from '../correlation/startCorrelationIndex.ts';
import { bulkRoutes } from '../api/bulkRoutes.ts';
import { createInputGateway } from '../api/inputGateway.ts';
import { metadataRoutes } from '../api/metadataRoutes.ts';
import { operatorRoutes } from '../api/operatorRoutes.ts';
import { queueRoutes } from '../api/queueRoutes.ts';
import { taskRoutes } from '../api/taskRoutes.ts';
import { searchRoutes } from '../api/searchRoutes.ts';
import { workflowRoutes } from '../api/workflowRoutes.ts';
import { createBatchApplier, createInputApplier } from './applyInput.ts';
import type { CoordinatorConfig } from './config.ts';
import { createCoordinatorRelay } from './coordinatorRelay.ts';
import { createOutcomeStore, createPollQueue, createTimerStore } from './coordinatorStores.ts';
import { createExecutionIndex } from './executionIndex.ts';
import { createHttpTaskHandler } from './httpTaskHandler.ts';
import { decodeInput, type ReceivedInput } from './inputRecords.ts';
import { createMetadataStore } from './metadataStore.ts';
import { createTaskGate } from './taskGate.ts';
import { createTimerSweeper } from './timerSweeper.ts';
import { createWorkerSightings } from './workerSightings.ts';
import { loadExecution } from './loadExecution.ts';

export type RunningCoordinator = { readonly url: string; readonly stop: () => Promise<void> };

/**
 * Starts a saga coordinator instance: its event store (one stream per execution) in its own database, the inputs
 * consumer (a consumer group: each partition's owner applies that partition's executions in order), the relay that
 * carries out each decision's commands, the timer sweeper, and Conductor's REST API. Several instances share the work.
 */
export const startCoordinator = async (config: CoordinatorConfig, logger: Logger): Promise<RunningCoordinator> => {
  const serviceName = `${config.topicPrefix}.coordinator`;
  const topics = sagaTopics(config.topicPrefix);
  const brokers = config.kafkaBrokers;
  const busLogger = toMessageFirstLogger(logger);
  const opened = await openMongoEventStore({ url: config.mongoUrl, database: config.database });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  const scripts = await createScriptSandbox();
  const decider = createExecutionDecider(scripts);
  const metadata = createMetadataStore(opened.db);
  const outcomes = createOutcomeStore(opened.db);
  const index = createExecutionIndex(opened.db);
  const pollQueue = createPollQueue(opened.db);
  const workers = createWorkerSightings(opened.db);
  const timers = createTimerStore(opened.db, config.timerShards);
  const eventHandlers = createEventHandlerStore(opened.db);
  for (const store of [metadata, outcomes, index, pollQueue, workers, timers, eventHandlers]) await store.start();
  if (config.workflowsDir !== undefined) {
    const registered = await registerBundledDefinitions({
      dir: config.workflowsDir,
      metadata,
      handlers: eventHandlers,
      scripts,
      topics: config.eventTopics,
      logger,
    });
    logger.info(registered, `definitions of ${config.workflowsDir}: ${registered.workflows.join(', ')}`);
  }
  await createTopics(brokers, [
    { topic: topics.inputs, partitions: config.partitions },
    { topic: topics.events, partitions: config.partitions },
  ]);

  const producer = createProducer({ brokers, clientId: `${serviceName}-producer`, logger: busLogger });
  await producer.start();
  const gate = createTaskGate({
    db: opened.db,
    producer,
    serde,
    topics,
    inProgress: async (workflowId, taskId) => {
      const { execution } = await loadExecution(opened.store, decider, workflowId);
      return execution.status !== 'NONE' && execution.tasks.some((task) => task.taskId === taskId && task.status === 'IN_PROGRESS');
    },
    recheckMs: config.timerRecheckMs,
    logger,
  });
  await gate.start();
  const relay = createCoordinatorRelay({
    store: opened.store,
    db: opened.db,
    serde,
    producer,
    brokers,
    topics,
    serviceName,
    partitions: config.partitions,
    timers,
    pollQueue,
    gate,
    sessionTimeoutMs: config.sessionTimeoutMs,
    logger,
  });
  await relay.start();
  const apply = createInputApplier({
    store: opened.store,
    decider,
    metadata,
    outcomes,
    index,
    pollQueue,
    workers,
    timers,
    gate,
    producer,
    serde,
    topics,
    logger,
    appended: (workflowId) => relay.appended(workflowId),
  });
  const applyBatch = createBatchApplier(apply);
  const inputs = createConsumer<ReceivedInput>({
    brokers,
    groupId: `${serviceName}.inputs`,
    clientId: `${serviceName}-inputs`,
    topics: [topics.inputs],
    fromBeginning: true,
    concurrency: config.partitions,
    sessionTimeoutMs: config.sessionTimeoutMs,
    decode: decodeInput(serde),
    logger: busLogger,
    handleBatch: (records, context) =>
      applyBatch(
        records.flatMap((record) => (record.event ? [record.event] : [])),
        () => context.heartbeat(),
      ),
  });
  await inputs.start();
  const sweeper = createTimerSweeper({
    brokers,
    serviceName,
    timers,
    producer,
    serde,
    topics,
    recheckMs: config.timerRecheckMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    logger,
  });
  await sweeper.start();
  // Conductor's HTTP system task: the coordinator is the worker of the HTTP task topic
  const httpTasks = createTaskWorker({
    brokers,
    serde,
    logger,
    name: `${serviceName}.http`,
    topics,
    handlers: [createHttpTaskHandler(config.httpAllowedHosts)],
    partitions: config.partitions,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  await httpTasks.start();

  const pruning = setInterval(() => {
    outcomes.prune(3_600_000).catch((error: unknown) => logger.warn({ err: error }, 'pruning old outcomes failed'));
  }, 60_000);
  pruning.unref();
  const gateway = createInputGateway({ producer, serde, topics, outcomes, replyTimeoutMs: config.replyTimeoutMs });
  const deps = { store: opened.store, decider, scripts, metadata, index, pollQueue, workers, gateway };
  const eventConsumers = createEventHandlerConsumers({
    api: deps,
    handlers: eventHandlers,
    serde,
    brokers,
    serviceName,
    sessionTimeoutMs: config.sessionTimeoutMs,
    logger,
  });
  await eventConsumers.start();
  const correlations = startCorrelationIndex({ config, db: opened.db, serde, groupId: `${serviceName}.correlations`, logger });
  const status = statusRoute(async () => {
    const lanes = Array.from({ length: opened.store.lanes }, (_, i) => i);
    return {
      service: 'saga-coordinator',
      outbox: toOutboxOverview({
        lanes: lanes.length,
        instance: relay.relay.instance,
        local: relay.relay.status(),
        records: await relay.ledger.lanes(),
        heads: new Map(await Promise.all(lanes.map(async (lane) => [lane, await opened.store.readOutboxHead(lane)] as const))),
      }),
      consumers: [
        await consumerStatus(`${serviceName}.inputs`, inputs),
        ...(await eventConsumers.statuses()),
        ...(await correlations.statuses()),
      ],
      timers: { ...sweeper.status(), pending: await timers.count() },
      correlationIndex: correlations.counts(),
      tasks: await gate.status(),
    };
  });
  const app = createHttpApp({
    logger,
    info: {
      title: 'waggle saga coordinator',
      version: '1.0.0',
      description: "Conductor's REST API on waggle: workflow and task definitions, executions, operator actions, task polling.",
    },
    routes: [
      ...metadataRoutes(deps),
      ...bulkRoutes(deps),
      // before the routes with an id in the path: /api/workflow/search-v2 is not an execution
      ...searchRoutes(deps),
      ...workflowRoutes(deps),
      ...operatorRoutes(deps),
      ...queueRoutes(deps),
      ...taskRoutes(deps),
      ...eventHandlerRoutes({ handlers: eventHandlers, scripts }),
      ...correlations.routes,
      status,
    ],
    ready: async () => {
      const crashed = inputs.status().state === 'crashed';
      if (crashed) throw new TransientError(`the inputs consumer crashed: ${inputs.status().error ?? ''}`);
      await opened.ping();
    },
    bodyLimit: '4mb',
    corsOrigins: config.corsOrigins,
  });
  const dashboard = startDashboard({ index, store: opened.store, logger });
  const server = await startHttpServer(dashboard.mount(toConductorApp(app)), { port: config.port, host: config.host });
  logger.info(
    { url: server.url, topics: topics.inputs },
    `saga-coordinator listening on ${server.url}, its dashboard at ${server.url}/ui/`,
  );
  return {
    url: server.url,
    stop: async () => {
      const took: Record<string, number> = {};
      const timed = async (name: string, step: () => Promise<void>): Promise<void> => {
        const began = performance.now();
        await step();
        took[name] = Math.round(performance.now() - began);
      };
      const began = performance.now();
      clearInterval(pruning);
      dashboard.stop();
      await timed('http', () => server.stop());
      // what sends inputs (event handlers, HTTP task results, timers) and the correlation index side by side, each
      // letting its batch in hand finish; the inputs consumer after them, since a start or a result waits for its outcome
      await Promise.all([
        timed('eventHandlers', () => eventConsumers.stop()),
        timed('correlations', () => correlations.stop()),
        timed('timers', () => sweeper.stop()),
        timed('httpTasks', () => httpTasks.stop()),
      ]);
      await timed('inputs', () => inputs.stop());
      await timed('relay', () => relay.stop());
      await timed('gate', () => gate.stop());
      await timed('producer', () => producer.stop());
      await scripts.close();
      await opened.close();
      logger.info({ ms: took }, `saga-coordinator stopped in ${Math.round(performance.now() - began)} ms`);
    },
  };
};
