import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A record as a handler sees it; `event` is what the consumer's `decode` made of it, when one was given. */
export type ConsumedRecord<E = unknown> = {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit, hence a string. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** A header repeated on the record counts by its last value, as Kafka's `Headers.lastHeader` does. */
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly event?: E;
};

const lastValues = (headers: IHeaders | undefined): Record<string, Buffer | undefined> => {
  const result: Record<string, Buffer | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    result[name] = last === undefined ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return result;
};

export const toConsumedRecord = (topic: string, partition: number, message: KafkaMessage): ConsumedRecord<never> => ({
  topic,
  partition,
  offset: message.offset,
  key: message.key,
  value: message.value,
  headers: lastValues(message.headers),
  timestamp: Number(message.timestamp),
});
