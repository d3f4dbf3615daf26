import { WaggleError } from '@waggle/errors';
import { checkKafka, describeTopics, type Logger } from '@waggle/kafka-bus';
import { loadStackConfig } from '@waggle/stack';
import { CliError, exitCodes } from './exitCodes.ts';

/** Where Kafka and the schema registry are, the same settings `waggle stack` uses, with failures naming them. */
export type StackEndpoints = {
  readonly brokers: string;
  readonly registryUrl: string;
  /** kafkajs reports reconnects and rebalances as errors; a CLI run tells the user what failed once, itself. */
  readonly logger: Logger;
  /** Resolves when a broker answers; otherwise fails at once (exit 1) naming KAFKA_BROKERS, instead of retrying for a minute. */
  readonly requireKafka: () => Promise<void>;
  /**
   * Resolves when the topic exists; otherwise fails as bad input (exit 2). Checked before producing, since the
   * broker would otherwise auto-create a misspelt topic, and before tailing one that will never have records.
   */
  readonly requireTopic: (topic: string) => Promise<void>;
  /** Runs a registry call; when the registry does not answer, fails (exit 1) naming SCHEMA_REGISTRY_URL. */
  readonly withRegistry: <T>(call: () => Promise<T>) => Promise<T>;
};

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const loadStackEndpoints = (): StackEndpoints => {
  const config = loadStackConfig();
  const brokers = config.kafka.brokers;
  const registryUrl = config.registry.url;
  return {
    brokers,
    registryUrl,
    logger: quiet,
    requireKafka: async () => {
      try {
        await checkKafka(brokers, 3000);
      } catch (error) {
        throw new CliError(`KAFKA_BROKERS=${brokers} does not answer: ${(error as Error).message}`, exitCodes.failure, { cause: error });
      }
    },
    requireTopic: async (topic) => {
      const [found] = await describeTopics(brokers, { topics: [topic], logger: quiet });
      if (found === undefined)
        throw new CliError(`unknown topic ${topic} on KAFKA_BROKERS=${brokers} (waggle topics lists them)`, exitCodes.usage);
    },
    withRegistry: async (call) => {
      try {
        return await call();
      } catch (error) {
        if (error instanceof WaggleError && error.retriable)
          throw new CliError(`SCHEMA_REGISTRY_URL=${registryUrl} does not answer: ${error.message}`, exitCodes.failure, { cause: error });
        throw error;
      }
    },
  };
};
