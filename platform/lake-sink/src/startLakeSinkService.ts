import { createHttpApp, defineRoute, serviceStatusSchema, startHttpServer } from '@waggle/http';
import { createLogger, toMessageFirstLogger, type Logger } from '@waggle/observability';
import { WaggleError } from '@waggle/errors';
import { z } from 'zod';
import { lakeSinkOptions, type LakeSinkConfig } from './config.ts';
import { createLakeSink, type LakeSinkStatus } from './createLakeSink.ts';
import { lakeUrlOf, openLakeStore } from './lakeLocation.ts';
import { startSinkMembers, type MemberStatus, type SinkMembers } from './sinkMembers.ts';

export type LakeSinkServiceStatus = LakeSinkStatus & { readonly members?: readonly MemberStatus[] };

export type LakeSinkService = {
  readonly url: string;
  readonly stop: () => Promise<void>;
  readonly status: () => Promise<LakeSinkServiceStatus>;
};

/** The sink in this thread: one member of the group. */
const startOneMember = async (config: LakeSinkConfig, logger: Logger): Promise<SinkMembers> => {
  const store = openLakeStore(config.lake);
  const sink = createLakeSink({
    ...lakeSinkOptions(config, store, toMessageFirstLogger(logger)),
    ...(config.crashHook === undefined ? {} : { crashHook: config.crashHook }),
  });
  try {
    await sink.start();
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    status: () => Promise.resolve({ ...sink.status(), members: [] }),
    lag: sink.lag,
    stop: async () => {
      await sink.stop();
      store.close();
    },
  };
};

/**
 * Starts the sink and its small HTTP API: `/health/ready` (every member joined its group) and `/status` (what it
 * wrote). With `config.members` above 1 the members run in worker threads, each running `memberEntry`: a script that
 * calls `runSinkMember` off the main thread, the service's main (`src/main.ts`) by default; a built service passes
 * its own file.
 */
export const startLakeSinkService = async (
  config: LakeSinkConfig,
  logger: Logger = createLogger({ service: 'lake-sink', level: config.logLevel }),
  memberEntry: string | URL = new URL('./main.ts', import.meta.url),
): Promise<LakeSinkService> => {
  const sink = config.members > 1 ? await startSinkMembers(config, memberEntry, logger) : await startOneMember(config, logger);
  const url = lakeUrlOf(config.lake.location);
  const app = createHttpApp({
    logger,
    info: { title: 'lake-sink', version: '1.0.0', description: 'Every event, exactly once, in Hive-partitioned Parquet' },
    ready: async () => {
      const { state } = await sink.status();
      if (state !== 'running') throw new WaggleError(`the lake sink's consumer is ${state}`, { retriable: true });
    },
    routes: [
      defineRoute({
        method: 'get',
        path: '/status',
        operationId: 'getLakeSinkStatus',
        summary: 'What the sink consumes and has committed since it started (summed over its members), and its group lag',
        responses: { 200: { description: 'the sink now', schema: serviceStatusSchema.extend({ lake: z.object({}).passthrough() }) } },
        handler: async () => {
          const status = await sink.status();
          return {
            status: 200,
            body: {
              service: 'lake-sink',
              consumers: [{ group: config.groupId, state: status.state, partitions: await sink.lag() }],
              lake: { url, ...status },
            },
          };
        },
      }),
    ],
  });
  const server = await startHttpServer(app, { port: config.port, host: config.host });
  logger.info({ url: server.url, lake: url, members: config.members }, 'lake sink running');
  return {
    url: server.url,
    status: () => sink.status(),
    stop: async () => {
      await server.stop();
      await sink.stop();
    },
  };
};
