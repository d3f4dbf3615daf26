import { createHttpApp, defineRoute, serviceStatusSchema, startHttpServer } from '@waggle/http';
import { createLogger, toMessageFirstLogger, type Logger } from '@waggle/observability';
import { WaggleError } from '@waggle/errors';
import { z } from 'zod';
import type { LakeSinkConfig } from './config.ts';
import { createLakeSink, type LakeSinkStatus } from './createLakeSink.ts';
import { openLakeStore } from './lakeLocation.ts';

export type LakeSinkService = { readonly url: string; readonly stop: () => Promise<void>; readonly status: () => LakeSinkStatus };

/** Starts the sink and its small HTTP API: `/health/ready` (joined its group) and `/status` (what it wrote). */
export const startLakeSinkService = async (
  config: LakeSinkConfig,
  logger: Logger = createLogger({ service: 'lake-sink', level: config.logLevel }),
): Promise<LakeSinkService> => {
  const store = openLakeStore(config.lake);
  const sink = createLakeSink({
    brokers: config.kafkaBrokers,
    registryUrl: config.schemaRegistryUrl,
    store,
    groupId: config.groupId,
    topicPattern: config.topicPattern,
    topicRefreshMs: config.topicRefreshMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    rotation: config.rotation,
    duckdbThreads: config.duckdbThreads,
    maxBytesPerPartition: config.fetchMaxBytes,
    logger: toMessageFirstLogger(logger),
    ...(config.crashHook === undefined ? {} : { crashHook: config.crashHook }),
  });
  try {
    await sink.start();
  } catch (error) {
    store.close();
    throw error;
  }
  const app = createHttpApp({
    logger,
    info: { title: 'lake-sink', version: '1.0.0', description: 'Every event, exactly once, in Hive-partitioned Parquet' },
    ready: () => {
      const { state } = sink.status();
      if (state !== 'running') return Promise.reject(new WaggleError(`the lake sink's consumer is ${state}`, { retriable: true }));
      return Promise.resolve();
    },
    routes: [
      defineRoute({
        method: 'get',
        path: '/status',
        operationId: 'getLakeSinkStatus',
        summary: 'What the sink consumes and has committed since it started, and its group lag',
        responses: { 200: { description: 'the sink now', schema: serviceStatusSchema.extend({ lake: z.object({}).passthrough() }) } },
        handler: async () => {
          const status = sink.status();
          return {
            status: 200,
            body: {
              service: 'lake-sink',
              consumers: [{ group: config.groupId, state: status.state, partitions: await sink.lag() }],
              lake: { url: store.url, ...status },
            },
          };
        },
      }),
    ],
  });
  const server = await startHttpServer(app, { port: config.port, host: config.host });
  logger.info({ url: server.url, lake: store.url }, 'lake sink running');
  return {
    url: server.url,
    status: sink.status,
    stop: async () => {
      await server.stop();
      await sink.stop();
      store.close();
    },
  };
};
