import { randomUUID } from 'node:crypto';
import { ValidationError } from '@waggle/errors';
import type { ConsumedRecord } from './consumedRecord.ts';
import type { Brokers } from './createKafkaClient.ts';
import { createProducer, type ProducerRecord } from './createProducer.ts';
import { readDeadLetterHeaders } from './deadLetterHeaders.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { readTopicToEnd } from './readTopicToEnd.ts';
import { readRedriveInfo, readUnparkMarker, redriveHeaderNames } from './redriveHeaders.ts';

/** One record of a dead-letter topic, as an operator looks at it. */
export type DeadLetter = {
  readonly dlqPartition: number;
  readonly dlqOffset: string;
  readonly key: string | null;
  readonly group: string;
  readonly originalTopic: string;
  readonly originalPartition: number;
  readonly originalOffset: string;
  /** The source offset of the first original (a redriven copy that failed again points back to it). */
  readonly root: string;
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly attempts: number;
  /** When the dead letter was written, ISO 8601. */
  readonly deadLetteredAt: string;
  /** `pending`: its key is still parked for its group; `settled`: a redrive after it unparked the key. */
  readonly status: 'pending' | 'settled';
  readonly record: ConsumedRecord<never>;
};

export type RedriveSelection = {
  /** Only the dead letters of this key. */
  readonly key?: string;
  /** Only the dead letter of this source offset (it must be the first pending one of its key). */
  readonly offset?: string;
  /** Only the dead letters of this consumer group. */
  readonly group?: string;
};

/** What a redrive puts back (or would, in a dry run), key by key in source order. */
export type RedrivePlan = {
  readonly runId: string;
  readonly copies: readonly { readonly deadLetter: DeadLetter; readonly record: ProducerRecord }[];
  /** Why the selection cannot be redriven as asked; nothing is sent when there is one. */
  readonly problems: readonly string[];
};

const headerNamesNotCopied = (name: string): boolean =>
  name.startsWith('kafka_dlt-') || name === 'kafka_deliveryAttempt' || Object.values<string>(redriveHeaderNames).includes(name);

/** Every dead letter of `topic` (read from `<topic>.dlq`) in dead-letter order, with whether its key is settled. */
export const listDeadLetters = async (
  brokers: Brokers,
  topic: string,
  options: { dlqTopic?: string; logger?: Logger } = {},
): Promise<DeadLetter[]> => {
  const records = await readTopicToEnd(brokers, options.dlqTopic ?? `${topic}.dlq`, {
    clientId: 'waggle-dlq',
    logger: options.logger ?? consoleLogger,
  });
  const letters: { -readonly [K in keyof DeadLetter]: DeadLetter[K] }[] = [];
  const pendingOf = new Map<string, typeof letters>();
  const idOf = (group: string, source: string, key: Buffer): string => `${group}\u0000${source}\u0000${key.toString('base64')}`;
  for (const record of records) {
    const marker = readUnparkMarker(record.headers);
    if (marker !== undefined) {
      if (record.key === null) continue;
      const id = idOf(marker.group, marker.topic, record.key);
      for (const letter of pendingOf.get(id) ?? []) letter.status = 'settled';
      pendingOf.delete(id);
      continue;
    }
    const info = readDeadLetterHeaders(record.headers);
    if (info === undefined) continue;
    const redrive = readRedriveInfo(record.headers);
    const letter = {
      dlqPartition: record.partition,
      dlqOffset: record.offset,
      key: record.key === null ? null : record.key.toString('utf8'),
      group: info.consumerGroup,
      originalTopic: info.originalTopic,
      originalPartition: info.originalPartition,
      originalOffset: info.originalOffset,
      root: redrive !== undefined && redrive.group === info.consumerGroup ? redrive.from.toString() : info.originalOffset,
      errorClass: info.errorClass,
      errorMessage: info.errorMessage,
      attempts: info.attempts,
      deadLetteredAt: new Date(record.timestamp).toISOString(),
      status: 'pending' as const,
      record,
    };
    letters.push(letter);
    if (record.key !== null) {
      const id = idOf(info.consumerGroup, info.originalTopic, record.key);
      pendingOf.set(id, [...(pendingOf.get(id) ?? []), letter]);
    }
  }
  return letters;
};

/** Builds the copies of the selected pending dead letters: per group and key, each original once, in source order. */
export const planRedrive = (letters: readonly DeadLetter[], selection: RedriveSelection, runId: string = randomUUID()): RedrivePlan => {
  const problems: string[] = [];
  const pending = letters.filter((l) => l.status === 'pending' && (selection.group === undefined || l.group === selection.group));
  const byKey = new Map<string, DeadLetter[]>();
  for (const letter of pending) {
    const id = `${letter.group}\u0000${letter.originalTopic}\u0000${letter.key ?? `\u0001${letter.root}`}`;
    const list = byKey.get(id) ?? [];
    // a copy that failed again stands for the same original as the first dead letter
    if (!list.some((l) => l.root === letter.root)) list.push(letter);
    byKey.set(id, list);
  }
  const copies: RedrivePlan['copies'][number][] = [];
  for (const list of byKey.values()) {
    const ordered = [...list].sort((a, b) => (BigInt(a.root) < BigInt(b.root) ? -1 : BigInt(a.root) > BigInt(b.root) ? 1 : 0));
    let chosen = ordered.filter((l) => selection.key === undefined || l.key === selection.key);
    if (selection.offset !== undefined) {
      const index = chosen.findIndex((l) => l.root === selection.offset || l.originalOffset === selection.offset);
      if (index < 0) continue;
      const first = chosen[0];
      if (index > 0 && first !== undefined) {
        problems.push(
          `the dead letter at offset ${selection.offset} of key ${first.key ?? '(none)'} is behind pending offset ${first.root}: ` +
            `redrive the key (--key) or start with --offset ${first.root}`,
        );
        continue;
      }
      chosen = chosen.slice(0, 1);
    }
    const through = chosen.at(-1)?.root;
    chosen.forEach((letter, i) => {
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of Object.entries(letter.record.headers))
        if (value !== undefined && !headerNamesNotCopied(name)) headers[name] = value;
      headers[redriveHeaderNames.redriveGroup] = Buffer.from(letter.group);
      headers[redriveHeaderNames.redriveId] = Buffer.from(runId);
      headers[redriveHeaderNames.redrivenFrom] = Buffer.from(letter.root);
      if (i === chosen.length - 1 && through !== undefined) headers[redriveHeaderNames.redriveThrough] = Buffer.from(through);
      copies.push({
        deadLetter: letter,
        record: {
          topic: letter.originalTopic,
          partition: letter.originalPartition,
          key: letter.record.key,
          value: letter.record.value,
          headers,
        },
      });
    });
  }
  return { runId, copies, problems };
};

/**
 * Puts a plan's copies back on their original topic and partition (`planRedrive`): the consumer group they failed
 * in handles them in order and unparks the key after the last; other groups skip them.
 */
export const sendRedrive = async (
  brokers: Brokers,
  plan: RedrivePlan,
  options: { logger?: Logger; onProgress?: (sent: number, total: number) => void } = {},
): Promise<void> => {
  if (plan.problems.length > 0) throw new ValidationError(`cannot redrive: ${plan.problems.join('; ')}`);
  if (plan.copies.length === 0) return;
  const producer = createProducer({ brokers, clientId: 'waggle-dlq-redrive', lingerMs: 0, logger: options.logger ?? consoleLogger });
  await producer.start();
  try {
    const chunk = 500;
    for (let sent = 0; sent < plan.copies.length; sent += chunk) {
      // one send per chunk: a key's copies land next to each other on their partition
      await producer.send(plan.copies.slice(sent, sent + chunk).map((c) => c.record));
      options.onProgress?.(Math.min(sent + chunk, plan.copies.length), plan.copies.length);
    }
  } finally {
    await producer.stop();
  }
};

/**
 * Plans the redrive of the selected pending dead letters of `topic` and, unless a dry run (the default) or the
 * plan has problems, sends it (`sendRedrive`).
 */
export const redriveDeadLetters = async (
  brokers: Brokers,
  topic: string,
  selection: RedriveSelection,
  options: { dryRun?: boolean; logger?: Logger } = {},
): Promise<RedrivePlan> => {
  const plan = planRedrive(await listDeadLetters(brokers, topic, options), selection);
  if (options.dryRun === false && plan.problems.length === 0) await sendRedrive(brokers, plan, options);
  return plan;
};
