import { setTimeout as delay } from 'node:timers/promises';
import { TransientError } from '@waggle/errors';
import kafkajs, { type Admin } from 'kafkajs';
import type { Brokers } from './createKafkaClient.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { withAdmin } from './withAdmin.ts';

/** A topic to create; `configs` are topic-level settings such as `{ 'retention.ms': '-1' }`. */
export type TopicSpec = {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
};

// a cluster's defaults (log.retention.hours=168) would delete events after 7 days; read models rebuild from the first
const keptForever = { 'retention.ms': '-1', 'retention.bytes': '-1' } as const;

/**
 * The topic-level settings waggle gives a topic by its name: events topics (`*.events`) and dead-letter topics
 * (`*.dlq`) keep every record for ever, since a read model is rebuilt from a topic's first event and a dead
 * letter must outlive the events after it; other topics get the cluster's defaults.
 */
export const topicConfigFor = (topic: string): Readonly<Record<string, string>> =>
  topic.endsWith('.events') || topic.endsWith('.dlq') ? keptForever : {};

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

/** Warns about each existing topic whose settings differ from those it would be created with; changing them is the operator's call. */
const warnAboutSettings = async (admin: Admin, topics: readonly TopicSpec[], logger: Logger): Promise<void> => {
  if (topics.length === 0) return;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((spec) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name: spec.topic })),
  });
  for (const spec of topics) {
    const actual = new Map(
      (resources.find((r) => r.resourceName === spec.topic)?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
    );
    const differing = Object.entries(spec.configs ?? {}).filter(([name, value]) => actual.get(name) !== value);
    if (differing.length === 0) continue;
    const wanted = differing.map(([name, value]) => `${name}=${value}`).join(',');
    logger.warn(
      `topic ${spec.topic} exists with ${differing.map(([name]) => `${name}=${actual.get(name) ?? '(unset)'}`).join(', ')} but should have ` +
        `${wanted}: its records may be deleted before a read model is rebuilt from them. Change it with ` +
        `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${spec.topic} --add-config ${wanted}`,
      {
        topic: spec.topic,
        expected: Object.fromEntries(differing),
        actual: Object.fromEntries(differing.map(([name]) => [name, actual.get(name)])),
      },
    );
  }
};

/**
 * Creates the topics that do not exist yet, with the settings of `topicConfigFor` (retention for ever for events
 * and dead-letter topics) overridden by their own `configs`, and waits until every partition of every listed topic
 * has a leader. Existing topics are left as they are (partition count and settings), with a warning for each
 * setting that differs. Resolves with the names it created.
 */
export const createTopics = async (
  brokers: Brokers,
  topics: readonly TopicSpec[],
  options: { clientId?: string; logger?: Logger; timeoutMs?: number } = {},
): Promise<string[]> => {
  const specs = topics.map((spec) => ({ ...spec, configs: { ...topicConfigFor(spec.topic), ...spec.configs } }));
  return withAdmin(brokers, options, `creating topics ${topics.map((t) => t.topic).join(', ')}`, async (admin) => {
    // ask first: creating an existing topic makes kafkajs log a false error on every service start
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    await warnAboutSettings(
      admin,
      specs.filter((spec) => existing.has(spec.topic) && Object.keys(spec.configs).length > 0),
      options.logger ?? consoleLogger,
    );
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
              configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
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
