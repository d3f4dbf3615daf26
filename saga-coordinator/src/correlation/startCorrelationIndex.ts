import { consumerStatus, type ServiceStatus } from '@waggle/http';
import type { Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import type { Db } from 'mongodb';
import type { CoordinatorConfig } from '../service/config.ts';
import { createCorrelationIndex, type CorrelationIndexStatus } from './createCorrelationIndex.ts';
import { correlationRoutes } from './correlationRoutes.ts';
import { createCorrelationStore } from './correlationStore.ts';

const pruneEveryMs = 3_600_000;

/**
 * The correlation index of a coordinator instance, when its config names topics: the consumer (joining its group in
 * the background, so the coordinator does not wait for it), the hourly drop of days past retention, its routes and its
 * `/status` entry. Off, the routes answer 404 and nothing consumes.
 */
export const startCorrelationIndex = (options: {
  readonly config: CoordinatorConfig;
  /** The coordinator's database: the index keeps its own beside it, on the same client. */
  readonly db: Db;
  readonly serde: AvroSerde;
  readonly groupId: string;
  readonly logger: Logger;
}) => {
  const { config, logger, groupId } = options;
  const settings = config.correlations;
  if (settings.topics === undefined) {
    return {
      routes: correlationRoutes(undefined),
      statuses: () => Promise.resolve([]),
      counts: (): CorrelationIndexStatus | undefined => undefined,
      stop: () => Promise.resolve(),
    };
  }
  const store = createCorrelationStore(options.db.client.db(settings.database), { retentionDays: settings.retentionDays });
  const index = createCorrelationIndex({
    brokers: config.kafkaBrokers,
    serde: options.serde,
    store,
    groupId,
    topicPattern: settings.topics,
    lingerMs: settings.lingerMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    logger,
  });
  const prune = (): void => {
    store
      .prune()
      .then((dropped) => dropped.length > 0 && logger.info({ dropped }, 'correlation index: days past retention dropped'))
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'correlation index: dropping days past retention failed; tried again in an hour'),
      );
  };
  prune();
  const pruning = setInterval(prune, pruneEveryMs);
  pruning.unref();
  const started = index.start().catch((error: unknown) => logger.error({ err: error, groupId }, 'correlation index: could not start'));
  logger.info({ groupId, topics: String(settings.topics) }, 'correlation index: following correlation ids on the matching topics');
  return {
    routes: correlationRoutes(store),
    statuses: async (): Promise<ServiceStatus['consumers']> => [
      { ...(await consumerStatus(groupId, index.lag)), state: index.status().state },
    ],
    /** What it has done since this instance started, for `/status`. */
    counts: (): CorrelationIndexStatus | undefined => index.status(),
    stop: async () => {
      clearInterval(pruning);
      await started;
      await index.stop();
    },
  };
};
