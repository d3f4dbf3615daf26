import { isRetriable } from '@waggle/errors';
import {
  createBatcher,
  createSinkConsumer,
  type Brokers,
  type ConsumedRecord,
  type PartitionFence,
  type SinkBatch,
} from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import { taskRecordTypes, toCorrelationEntry, type CorrelationEntry } from './correlationEntry.ts';
import type { CorrelationStore } from './correlationStore.ts';

export type CorrelationIndexOptions = {
  readonly brokers: Brokers;
  readonly serde: AvroSerde;
  readonly store: CorrelationStore;
  /** Its own consumer group: it reads from the beginning and commits only what it wrote. */
  readonly groupId: string;
  readonly topicPattern: RegExp;
  /** How long a batch waits for the batches of other partitions, to share one write with them. */
  readonly lingerMs: number;
  /** How long a stop writes what is in hand before it leaves the rest to the next start (default 3 s). */
  readonly stopFlushMs?: number;
  /** How often the offsets of written records are committed (default 2 s). */
  readonly commitEveryMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly topicRefreshMs?: number;
  readonly logger: Logger;
};

export type CorrelationIndexStatus = {
  readonly state: 'new' | 'running' | 'crashed' | 'stopped';
  readonly topics: number;
  /** Records written (a redelivered record counts again: it is written again, as a no-op). */
  readonly indexed: number;
  /** Records without a correlation id: nothing would find them. */
  readonly skipped: number;
  /** Task records whose payload could not be read: indexed without their task id. */
  readonly undecodable: number;
  readonly writes: number;
  /** Mongo commands those writes sent, documents they inserted and set upserts they asked for. */
  readonly commands: number;
  readonly documents: number;
  readonly setUpdates: number;
};

/** What a call still waiting in the batcher is told when the index stops. */
const stopped = new Error('the correlation index stopped before this batch was written');

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/**
 * The correlation index: a consumer group over the contexts' event topics and the coordinator's own topics that
 * records, for every record with a correlation id, where it is and what its headers say (`toCorrelationEntry`), so the
 * dashboard can follow an execution's correlation id across Kafka. Batches of all partitions that arrive within
 * `lingerMs` share one write; a partition's offset is committed (every `commitEveryMs`) once its records are written,
 * so a crash repeats writes (which change nothing) and loses none. Only task records' payloads are decoded, for their task id.
 */
export const createCorrelationIndex = (options: CorrelationIndexOptions) => {
  const { logger, store, serde } = options;
  const counts = { indexed: 0, skipped: 0, undecodable: 0, writes: 0, commands: 0, documents: 0, setUpdates: 0 };
  const batcher = createBatcher<CorrelationEntry>({
    lingerMs: options.lingerMs,
    maxBatchSize: 5_000,
    sendBatch: async (entries) => {
      const cost = await store.write(entries);
      counts.writes += 1;
      counts.commands += cost.commands;
      counts.documents += cost.documents;
      counts.setUpdates += cost.setUpdates;
      counts.indexed += entries.length;
    },
  });

  const withTaskId = async (record: ConsumedRecord<never>, entry: CorrelationEntry): Promise<CorrelationEntry> => {
    if (!taskRecordTypes.has(entry.type) || record.value === null) return entry;
    try {
      const { data } = await serde.decode(record.value);
      const taskId = (data as { taskId?: unknown } | null)?.taskId;
      return typeof taskId === 'string' && taskId.length > 0 ? { ...entry, taskId } : entry;
    } catch (error) {
      // the registry away: the batch is tried again; a payload that cannot be read is indexed without its task id
      if (isRetriable(error)) throw error;
      counts.undecodable += 1;
      logger.warn(
        { err: error, topic: record.topic, partition: record.partition, offset: record.offset, eventId: entry.eventId },
        'correlation index: a task record could not be decoded; indexed without its task id',
      );
      return entry;
    }
  };

  let stopping = false;
  let abandon: (error: Error) => void = () => undefined;
  const abandoned = new Promise<never>((_, reject) => (abandon = reject));
  abandoned.catch(() => undefined);
  const onBatch = async (batch: SinkBatch): Promise<void> => {
    // a stopping index takes no more: what it has not written is not committed, and indexed again at the next start
    if (stopping) return;
    const entries: CorrelationEntry[] = [];
    for (const record of batch.records) {
      const entry = toCorrelationEntry(record);
      if (entry === undefined) counts.skipped += 1;
      else entries.push(await withTaskId(record, entry));
    }
    try {
      await Promise.race([batcher.add(entries), abandoned]);
    } catch (error) {
      if (error === stopped) return;
      throw error;
    }
    const last = batch.records.at(-1);
    if (last !== undefined)
      committable.set(`${batch.topic}\u0000${batch.partition}`, { fence: batch.fence, next: nextOffset(last.offset) });
  };

  // offsets of written records, committed every `commitEveryMs` rather than per batch (a live system's batches hold a
  // record or two: a commit each was most of the index's CPU); a crash in between writes those records again, a no-op
  const committable = new Map<string, { fence: PartitionFence; next: string }>();
  const commitWritten = async (): Promise<void> => {
    const due = [...committable.values()];
    committable.clear();
    for (const { fence, next } of due) await consumer.commit(fence, next);
  };
  const committing = setInterval(() => void commitWritten(), options.commitEveryMs ?? 2_000);
  committing.unref();

  const consumer = createSinkConsumer({
    brokers: options.brokers,
    groupId: options.groupId,
    clientId: options.groupId,
    topicPattern: options.topicPattern,
    // every partition's batch may wait in the same write: as many at once as a fetch brings
    concurrency: 32,
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    ...(options.topicRefreshMs === undefined ? {} : { topicRefreshMs: options.topicRefreshMs }),
    logger: toMessageFirstLogger(logger),
    onBatch,
  });

  return {
    start: () => consumer.start(),
    stop: async () => {
      stopping = true;
      clearInterval(committing);
      // what is in hand is written for up to stopFlushMs; the rest is left uncommitted, indexed again at the next
      // start (under load at 25 bookings/s one write of a backlog took longer than the launcher waits, 15 s)
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([batcher.flush(), new Promise((resolve) => (deadline = setTimeout(resolve, options.stopFlushMs ?? 3_000)))]);
      clearTimeout(deadline);
      // a write still under way is not waited for either: its batches give up, so the consumer can leave the group
      batcher.discard(stopped);
      abandon(stopped);
      await commitWritten();
      await consumer.stop();
    },
    lag: () => consumer.lag(),
    status: (): CorrelationIndexStatus => ({ state: consumer.state(), topics: consumer.topics().length, ...counts }),
  };
};

export type CorrelationIndex = ReturnType<typeof createCorrelationIndex>;
