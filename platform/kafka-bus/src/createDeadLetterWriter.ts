import type { Admin, IHeaders, KafkaMessage } from 'kafkajs';
import type { Brokers } from './createKafkaClient.ts';
import type { Producer } from './createProducer.ts';
import { createTopics, topicConfigFor } from './createTopics.ts';
import { toDeadLetterHeaders } from './deadLetterHeaders.ts';
import type { Logger } from './logger.ts';
import { redriveHeaderNames } from './redriveHeaders.ts';

type OutgoingHeaders = Record<string, string | Buffer | (string | Buffer)[]>;

/** The original headers byte for byte, with the dead-letter headers added (repeated if already present). */
const withDeadLetterHeaders = (original: IHeaders | undefined, added: Record<string, Buffer>): OutgoingHeaders => {
  const headers: OutgoingHeaders = {};
  for (const [name, value] of Object.entries(original ?? {})) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(added)) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
};

/**
 * What one consumer group writes to dead-letter topics: dead letters (the original key, value and headers plus the
 * `kafka_dlt-*` headers) and unpark markers. A dead-letter topic is created when first needed, with its source's
 * partition count, and a record goes to the partition it came from, so a key's dead letters stay in order.
 */
export const createDeadLetterWriter = (options: {
  readonly brokers: Brokers;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly groupId: string;
  readonly logger: Logger;
  readonly dlqTopicFor?: ((topic: string) => string) | undefined;
}) => {
  const { admin, producer, groupId } = options;
  const topicFor = options.dlqTopicFor ?? ((topic: string) => `${topic}.dlq`);
  const partitionsOf = new Map<string, Promise<number>>();

  /** Partition count of the dead-letter topic, creating it like its source when missing. */
  const ensureTopic = (topic: string): Promise<number> => {
    const known = partitionsOf.get(topic);
    if (known !== undefined) return known;
    const dlq = topicFor(topic);
    const created = (async () => {
      const [source] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      // dead letters are kept as long as the events they stand for, whatever the topic is called
      await createTopics(
        options.brokers,
        [{ topic: dlq, partitions: source?.partitions.length ?? 1, configs: topicConfigFor(`${topic}.dlq`) }],
        { logger: options.logger },
      );
      const [target] = (await admin.fetchTopicMetadata({ topics: [dlq] })).topics;
      return target?.partitions.length ?? 0;
    })();
    partitionsOf.set(topic, created);
    // a failed attempt is forgotten so the next dead letter tries again
    created.catch(() => partitionsOf.delete(topic));
    return created;
  };

  const send = async (topic: string, partition: number, record: { key: Buffer | null; value: Buffer | null; headers: OutgoingHeaders }) => {
    const partitions = await ensureTopic(topic);
    await producer.send([{ topic: topicFor(topic), ...record, ...(partition < partitions ? { partition } : {}) }]);
  };

  return {
    topicFor,
    deadLetter: (topic: string, partition: number, message: KafkaMessage, error: unknown, attempts: number): Promise<void> =>
      send(topic, partition, {
        key: message.key,
        value: message.value,
        headers: withDeadLetterHeaders(
          message.headers,
          toDeadLetterHeaders({
            originalTopic: topic,
            originalPartition: partition,
            originalOffset: message.offset,
            originalTimestamp: Number(message.timestamp),
            consumerGroup: groupId,
            attempts,
            error,
          }),
        ),
      }),
    /** Records that the key's dead letters so far are settled (after its last redriven copy). */
    unparked: (topic: string, partition: number, key: Buffer): Promise<void> =>
      send(topic, partition, {
        key,
        value: null,
        headers: { [redriveHeaderNames.unparkedGroup]: groupId, [redriveHeaderNames.unparkedTopic]: topic },
      }),
  };
};
