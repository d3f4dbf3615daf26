import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/** A topic to create; `configs` are topic-level settings such as `{ 'retention.ms': '-1' }`. */
export type TopicSpec = {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
};

/**
 * Creates the topics that do not exist yet and waits for their leaders; existing topics are left as they are
 * (their partition count is not changed). Resolves with the names it created.
 */
export const createTopics = async (
  brokers: Brokers,
  topics: readonly TopicSpec[],
  options: { clientId?: string; logger?: Logger } = {},
): Promise<string[]> => {
  const admin = createKafkaClient({
    brokers,
    clientId: options.clientId ?? 'waggle-admin',
    logger: options.logger ?? consoleLogger,
  }).admin();
  await admin.connect();
  try {
    // ask first: creating an existing topic makes kafkajs log a false error on every service start
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((spec) => !existing.has(spec.topic));
    // one request per topic: kafkajs skips waiting for leaders when any topic of a request already exists
    const created = await Promise.all(
      missing.map((spec) =>
        admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: spec.topic,
              numPartitions: spec.partitions,
              replicationFactor: spec.replicationFactor ?? -1,
              configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
            },
          ],
        }),
      ),
    );
    return missing.filter((_, index) => created[index] === true).map((spec) => spec.topic);
  } catch (error) {
    throw toBusError(error, `creating topics ${topics.map((t) => t.topic).join(', ')}`);
  } finally {
    await admin.disconnect();
  }
};
