import { TransientError } from '@waggle/errors';
import type { ConsumedRecord } from './consumedRecord.ts';
import type { Brokers } from './createKafkaClient.ts';
import { createTailReader } from './createTailReader.ts';
import { describeTopics } from './describeTopics.ts';
import type { Logger } from './logger.ts';

/**
 * Every record of a topic up to its end offsets as they were when called, partition by partition in offset order
 * (`[]` when the topic is missing or empty, without joining any group). For small topics read whole: dead-letter
 * topics, coordination topics. Gives up with a `TransientError` after `timeoutMs` (default 30 s).
 */
export const readTopicToEnd = async (
  brokers: Brokers,
  topic: string,
  options: { clientId?: string; logger?: Logger; timeoutMs?: number } = {},
): Promise<ConsumedRecord<never>[]> => {
  const [described] = await describeTopics(brokers, { topics: [topic], ...options });
  const pending = new Map<number, bigint>();
  for (const { partition, low, high } of described?.partitions ?? [])
    if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high) - 1n);
  if (pending.size === 0) return [];
  const records: ConsumedRecord<never>[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const reader = createTailReader({
    brokers,
    topic,
    fromBeginning: true,
    clientId: options.clientId ?? 'waggle-read-to-end',
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    onRecord: (record) => {
      const last = pending.get(record.partition);
      if (last === undefined || BigInt(record.offset) > last) return;
      records.push(record);
      if (BigInt(record.offset) === last) pending.delete(record.partition);
      if (pending.size === 0) done();
    },
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await reader.start();
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransientError(`reading ${topic} to its end took over ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await reader.stop();
  }
  return records.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
};
