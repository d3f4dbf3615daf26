import { setTimeout as delay } from 'node:timers/promises';
import { TransientError } from '@waggle/errors';
import type { Admin } from 'kafkajs';
import type { Brokers } from './createKafkaClient.ts';
import type { Logger } from './logger.ts';
import { withAdmin } from './withAdmin.ts';

/** A topic to create; `configs` are topic-level settings such as `{ 'retention.ms': '-1' }`. */
export type TopicSpec = {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
};

/** What a broker answers about a topic its metadata does not hold yet, or whose partitions have no leader yet. */
const notYet = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION,
 * which a KRaft broker answers until its metadata catches up with the controller that created the topic (seen on
 * a busy 2-core machine when several services start at once).
 */
const waitForLeaders = async (admin: Admin, topics: readonly string[], timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let why: string;
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = described.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0) return;
      why = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === undefined || !notYet.has(type)) throw error;
      why = type;
    }
    if (Date.now() > deadline) throw new TransientError(`topics ${topics.join(', ')} are not ready after ${timeoutMs / 1000} s (${why})`);
    await delay(100);
  }
};

/**
 * Creates the topics that do not exist yet and waits until every partition of every listed topic has a leader;
 * existing topics are left as they are (their partition count is not changed). Resolves with the names it created.
 */
export const createTopics = async (
  brokers: Brokers,
  topics: readonly TopicSpec[],
  options: { clientId?: string; logger?: Logger; timeoutMs?: number } = {},
): Promise<string[]> => {
  return withAdmin(brokers, options, `creating topics ${topics.map((t) => t.topic).join(', ')}`, async (admin) => {
    // ask first: creating an existing topic makes kafkajs log a false error on every service start
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((spec) => !existing.has(spec.topic));
    // one request per topic: a topic that exists already (another service created it meanwhile) fails only its own
    const created = await Promise.all(
      missing.map((spec) =>
        admin.createTopics({
          waitForLeaders: false,
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
    if (topics.length > 0)
      await waitForLeaders(
        admin,
        topics.map((t) => t.topic),
        options.timeoutMs ?? 30_000,
      );
    return missing.filter((_, index) => created[index] === true).map((spec) => spec.topic);
  });
};
