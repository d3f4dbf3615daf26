import { isRetriable, WaggleError } from '@waggle/errors';
import type { Admin, Consumer as KafkaConsumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { computeBackoff } from './computeBackoff.ts';
import { toConsumedRecord, type ConsumedRecord } from './consumedRecord.ts';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { groupJoined } from './groupJoined.ts';
import { handleKeysConcurrently } from './handleKeysConcurrently.ts';
import { createProducer } from './createProducer.ts';
import { createDeadLetterWriter } from './createDeadLetterWriter.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { createParkedKeys, type ParkedKey } from './parkedKeys.ts';
import { readTopicToEnd } from './readTopicToEnd.ts';
import { parkedKeyErrorClass, readRedriveInfo, type RedriveInfo } from './redriveHeaders.ts';
import { toBusError } from './toBusError.ts';

/** What a handler may use while it runs. */
export type ConsumerContext = {
  readonly groupId: string;
  /** Call during long work so the group does not evict this member (kafkajs throttles it to `heartbeatInterval`). */
  readonly heartbeat: () => Promise<void>;
  /** False once `stop()` was called: a long handler may finish early by throwing a retriable error. */
  readonly isRunning: () => boolean;
};

/** Lag of one partition for the group: `committed` is `-1` while the group has committed nothing there. */
export type PartitionLag = {
  readonly topic: string;
  readonly partition: number;
  readonly committed: string;
  readonly high: string;
  readonly lag: number;
};

/** A partition held on a record whose retriable failure keeps recurring (a database or registry outage). */
export type RetryingPartition = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly attempts: number;
  /** When the record first failed, ISO 8601. */
  readonly since: string;
  readonly lastError: string;
};

/** What a member is doing, for `/status` and readiness. */
export type ConsumerStatus = {
  /** `crashed`: kafkajs gave up and will not restart; the member consumes nothing until the process restarts. */
  readonly state: 'new' | 'running' | 'crashed' | 'stopped';
  readonly error?: string;
  readonly retrying: readonly RetryingPartition[];
  readonly parked: readonly (Omit<ParkedKey, 'lastFrom'> & { readonly lastFrom: string })[];
};

/** Records in a topic's dead-letter topic (all groups), `0` when it does not exist. */
export type DeadLetterDepth = { readonly topic: string; readonly dlqTopic: string; readonly records: number };

/** A consumer-group member that runs a handler with retries and dead-lettering. */
export type Consumer = {
  /** Connects, subscribes and resolves once the member has joined its group. */
  readonly start: () => Promise<void>;
  /** Finishes the record or batch in hand, commits, leaves the group and disconnects. */
  readonly stop: () => Promise<void>;
  /** Per-partition lag of this consumer's group on its topics. */
  readonly lag: () => Promise<PartitionLag[]>;
  /** Partitions retrying a record, parked keys and whether the member still runs. */
  readonly status: () => ConsumerStatus;
  /** How many records the dead-letter topic of each source topic holds. */
  readonly deadLetters: () => Promise<DeadLetterDepth[]>;
};

type Handlers<E> =
  | {
      /** Handles one record; its promise resolving means the effect is durable and the offset may be committed. */
      readonly handle: (record: ConsumedRecord<E>, context: ConsumerContext) => Promise<void>;
      readonly handleBatch?: never;
    }
  | {
      /**
       * Handles consecutive records of one partition at once (a read model's single bulk write). When it fails,
       * the same records are handed over again one at a time, so a poison record is found and dead-lettered alone.
       */
      readonly handleBatch: (records: ConsumedRecord<E>[], context: ConsumerContext) => Promise<void>;
      readonly handle?: never;
    };

export type ConsumerOptions<E> = Handlers<E> & {
  readonly brokers: Brokers;
  readonly groupId: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  /**
   * Turns a record's bytes into an event before the handler sees it. Throwing a non-retriable error
   * (`UndecodableError`: bad magic byte, unknown schema id) dead-letters the record without calling the handler;
   * a retriable one (registry unreachable) is retried like a handler failure.
   */
  readonly decode?: (record: ConsumedRecord<never>) => E | Promise<E>;
  /** Partitions handled at the same time (kafkajs `partitionsConsumedConcurrently`, default 3). */
  readonly concurrency?: number;
  /**
   * With `handle`: records of one partition in flight at once, of different keys (each key in order; default 16,
   * 1 = one record at a time). See `handleKeysConcurrently`.
   */
  readonly keyConcurrency?: number;
  /** Backoff before retry n is uniform in [0, min(retryMaxMs, retryBaseMs * 2^(n-1))] (defaults 200 ms, 10 s). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Where a group without committed offsets starts: the earliest record (true) or new records only (default). */
  readonly fromBeginning?: boolean;
  /** The dead-letter topic for a source topic (default `<topic>.dlq`). */
  readonly dlqTopic?: (topic: string) => string;
  /** Most records per `handleBatch` call (default 500). */
  readonly maxBatchRecords?: number;
  /**
   * Most bytes fetched per partition and request (kafkajs's default 1 MiB). A `handleBatch` call gets at most what
   * one fetch brought, so large batches of small records need more.
   */
  readonly maxBytesPerPartition?: number;
  /**
   * Where each newly assigned partition begins, by `topic:partition` (the next offset to read), for a handler that
   * keeps its position with its effects rather than in Kafka (a read model's offsets live beside its documents, and
   * a rebuild fed outside the group never committed any): asked at every join, and a partition it names is sought
   * there; one it does not name begins at the group's committed offset. A batch fetched before the seek took effect
   * may still be handed, so the handler must skip what its position already covers.
   */
  readonly startFrom?: () => Promise<ReadonlyMap<string, bigint>>;
  /**
   * How long an empty fetch waits at the broker (default 1 s). A record arriving meanwhile is answered at once
   * (`minBytes` 1: produce → handler p50 2 ms at 100 ms, 1 s and 5 s alike), so this only sets how often an idle
   * member asks: 10 times a second at 100 ms was most of an idle service's CPU and of the broker's. A partition
   * resumed after a retry's backoff joins the next fetch, up to this much later.
   */
  readonly maxWaitTimeMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly logger?: Logger;
};

type Failure = { readonly message: KafkaMessage; readonly error: unknown; readonly redrive?: RedriveInfo | undefined };
type Attempts = RetryingPartition & { readonly sinceMs: number };

/** Why a record was dead-lettered without being tried: an earlier record of its key is parked. */
class ParkedKeyError extends WaggleError {
  constructor(message: string) {
    super(message, { retriable: false });
    this.name = parkedKeyErrorClass;
  }
}

/**
 * What to do with a record before decoding it: another group's redriven copy is skipped (this group saw the
 * original); a record of a parked key is held back (dead-lettered behind the failed one, in order) unless it is this
 * group's redriven copy, which is handled even though its key is parked.
 */
type Route =
  | { readonly kind: 'skip' }
  | { readonly kind: 'hold'; readonly parked: ParkedKey; readonly redrive?: RedriveInfo }
  | { readonly kind: 'handle'; readonly redrive?: RedriveInfo };

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/**
 * Creates a consumer-group member on kafkajs `eachBatch` with offsets resolved by hand: a record's offset is
 * committed only after its handler resolved, so delivery is at-least-once and handlers must be idempotent (see
 * `isNewerVersion`). Order is kept per key; partitions run concurrently, and with `handle` so do the keys of a
 * partition (`keyConcurrency`, `handleKeysConcurrently`).
 *
 * A record failing with a retriable error (`isRetriable`) is retried without limit — a good record dead-lettered
 * for an outage could never be applied in order again: the
 * partition is paused for a capped exponential backoff with full jitter and resumed, so the member keeps
 * heartbeating and other partitions keep flowing; `status().retrying` shows it. A non-retriable error or an
 * undecodable record sends the record to the dead-letter topic with its original key, value and headers plus
 * Spring Kafka's `kafka_dlt-*` headers (`deadLetterHeaderNames`), commits and moves on — and parks its key: later
 * records of that key are dead-lettered behind it in order (`ParkedKeyError`), other keys keep flowing, until a
 * redrive (`redriveDeadLetters`) puts the key's records back on the topic and this group handles them in order.
 * Parked keys are rebuilt from the dead-letter topic whenever the group's assignment changes. The dead-letter topic
 * is created when first needed, with the source topic's partition count, and a dead letter goes to the partition it
 * came from.
 */
export const createConsumer = <E = undefined>(options: ConsumerOptions<E>): Consumer => {
  const logger = options.logger ?? consoleLogger;
  const { groupId, topics } = options;
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId, logger });
  const consumer: KafkaConsumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    allowAutoTopicCreation: false,
    ...(options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: options.maxBytesPerPartition }),
  });
  const admin: Admin = kafka.admin();
  const dlqProducer = createProducer({ brokers: options.brokers, clientId: `${options.clientId}-dlq`, lingerMs: 0, logger });
  const dlq = createDeadLetterWriter({
    brokers: options.brokers,
    admin,
    producer: dlqProducer,
    groupId,
    logger,
    dlqTopicFor: options.dlqTopic,
  });
  const backoff = { baseMs: options.retryBaseMs ?? 200, maxMs: options.retryMaxMs ?? 10_000 };
  const maxBatchRecords = options.handleBatch === undefined ? 1 : (options.maxBatchRecords ?? 500);
  const keyConcurrency = options.handle === undefined ? 1 : (options.keyConcurrency ?? 16);

  const attempts = new Map<string, Attempts>();
  const resumeTimers = new Set<NodeJS.Timeout>();
  const parked = createParkedKeys();
  // rebuilt from the dead-letter topics once per assignment, before the first batch of it is handled
  let parkedLoaded: Promise<void> | undefined;
  let state: ConsumerStatus['state'] = 'new';
  let crashError: string | undefined;

  const partitionId = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

  const loadParked = (): Promise<void> => {
    parkedLoaded ??= (async () => {
      const records = [];
      for (const topic of topics) records.push(...(await readTopicToEnd(options.brokers, dlq.topicFor(topic), { logger })));
      parked.rebuild(records, groupId);
      const count = parked.list().length;
      if (count > 0) logger.warn(`${count} parked key(s) held back until redriven`, { groupId });
    })();
    // a failed load is tried again by the next batch
    parkedLoaded.catch(() => (parkedLoaded = undefined));
    return parkedLoaded;
  };

  const runHandler = async (records: ConsumedRecord<E>[], context: ConsumerContext): Promise<void> => {
    if (options.handleBatch !== undefined) return options.handleBatch(records, context);
    const [record] = records;
    if (record !== undefined) await options.handle(record, context);
  };

  const decodeRecord = async (topic: string, partition: number, message: KafkaMessage): Promise<ConsumedRecord<E>> => {
    const record = toConsumedRecord(topic, partition, message);
    if (options.decode === undefined) return record;
    return { ...record, event: await options.decode(record) };
  };

  const routeOf = (topic: string, partition: number, message: KafkaMessage): Route => {
    const redrive = readRedriveInfo(toConsumedRecord(topic, partition, message).headers);
    if (redrive !== undefined && redrive.group !== groupId) return { kind: 'skip' };
    const key = parked.get(topic, message.key);
    if (key === undefined) return redrive === undefined ? { kind: 'handle' } : { kind: 'handle', redrive };
    if (redrive === undefined) return { kind: 'hold', parked: key };
    // a copy after one of its own run failed again stays behind it
    return key.failedRedrive === redrive.id ? { kind: 'hold', parked: key, redrive } : { kind: 'handle', redrive };
  };

  const pauseFor = (topic: string, partition: number, delayMs: number): void => {
    consumer.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      resumeTimers.delete(timer);
      if (state === 'running') consumer.resume([{ topic, partitions: [partition] }]);
    }, delayMs);
    resumeTimers.add(timer);
  };

  const commitNext = async (payload: EachBatchPayload, offset: string): Promise<void> => {
    const { topic, partition } = payload.batch;
    payload.resolveOffset(offset);
    // committed at once, so a restart right after does not dead-letter the same record twice
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset(offset) }] }] });
  };

  /** Keeps the partition on the record and retries it after a backoff; the batch in hand must end. */
  const retryLater = (payload: EachBatchPayload, message: KafkaMessage, reason: string, what: string): void => {
    const { topic, partition } = payload.batch;
    const id = partitionId(topic, partition);
    const previous = attempts.get(id);
    const now = Date.now();
    const same = previous?.offset === message.offset;
    const count = (same ? previous.attempts : 0) + 1;
    const sinceMs = same ? previous.sinceMs : now;
    attempts.set(id, {
      topic,
      partition,
      offset: message.offset,
      attempts: count,
      since: new Date(sinceMs).toISOString(),
      sinceMs,
      lastError: reason,
    });
    const delayMs = computeBackoff(count, backoff);
    logger.warn(`${what}; retrying in ${delayMs} ms (failing for ${Math.round((now - sinceMs) / 1000)} s): ${reason}`, {
      topic,
      partition,
      offset: message.offset,
      groupId,
      attempt: count,
    });
    pauseFor(topic, partition, delayMs);
  };

  /** Retries or dead-letters one failed record; false when the partition was paused and this batch must end. */
  const onFailure = async (payload: EachBatchPayload, failure: Failure): Promise<boolean> => {
    const { topic, partition } = payload.batch;
    const { message, error, redrive } = failure;
    const id = partitionId(topic, partition);
    const previous = attempts.get(id);
    const count = (previous?.offset === message.offset ? previous.attempts : 0) + 1;
    const where = { topic, partition, offset: message.offset, groupId, attempt: count };
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (isRetriable(error)) {
      retryLater(payload, message, reason, 'record failed with a retriable error');
      return false;
    }
    try {
      await dlq.deadLetter(topic, partition, failure.message, failure.error, count);
    } catch (dlqError) {
      // the record stays uncommitted and comes back after the pause
      retryLater(payload, message, toBusError(dlqError, 'dead-lettering').message, 'could not dead-letter record');
      return false;
    }
    if (message.key !== null) {
      parked.park({
        topic,
        partition,
        key: message.key,
        offset: message.offset,
        from: redrive?.from ?? BigInt(message.offset),
        reason,
        ...(redrive === undefined ? {} : { redriveId: redrive.id }),
      });
    }
    logger.warn(`dead-lettered record to ${dlq.topicFor(topic)}${message.key === null ? '' : ' and parked its key'}: ${reason}`, where);
    await commitNext(payload, message.offset);
    attempts.delete(id);
    return true;
  };

  /** Dead-letters a record of a parked key behind the failed one; false when that failed and the batch must end. */
  const holdBack = async (payload: EachBatchPayload, message: KafkaMessage, route: Extract<Route, { kind: 'hold' }>): Promise<boolean> => {
    const { topic, partition } = payload.batch;
    const key = route.parked;
    const error = new ParkedKeyError(`key ${key.key} is parked since offset ${key.since} (${key.reason}); held back until redriven`);
    try {
      await dlq.deadLetter(topic, partition, message, error, 0);
    } catch (dlqError) {
      retryLater(payload, message, toBusError(dlqError, 'dead-lettering').message, 'could not hold back record of a parked key');
      return false;
    }
    parked.park({
      topic,
      partition,
      key: message.key ?? Buffer.alloc(0),
      offset: message.offset,
      from: route.redrive?.from ?? BigInt(message.offset),
      reason: error.message,
      ...(route.redrive === undefined ? {} : { redriveId: route.redrive.id }),
    });
    logger.warn(`held back record of parked key ${key.key} in ${dlq.topicFor(topic)}`, {
      topic,
      partition,
      offset: message.offset,
      groupId,
    });
    await commitNext(payload, message.offset);
    attempts.delete(partitionId(topic, partition));
    return true;
  };

  /** After this group's last redriven copy of a key succeeded: unpark it, unless records came after the run. */
  const settleRedrive = async (topic: string, partition: number, message: KafkaMessage, redrive: RedriveInfo): Promise<void> => {
    if (redrive.through === undefined || message.key === null) return;
    const key = parked.get(topic, message.key);
    if (key === undefined) return;
    if (key.failedRedrive === redrive.id || key.lastFrom > redrive.through) {
      logger.warn(`key ${key.key} stays parked: records were held back after redrive ${redrive.id} began; redrive it again`, {
        topic,
        partition,
        groupId,
      });
      return;
    }
    await dlq.unparked(topic, partition, message.key);
    parked.unpark(topic, message.key);
    logger.info(`key ${key.key} unparked after redrive ${redrive.id}`, { topic, partition, groupId });
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { topic, partition, messages } = payload.batch;
    let heartbeatError: Error | undefined;
    const context: ConsumerContext = {
      groupId,
      heartbeat: () =>
        payload.heartbeat().catch((error: unknown) => {
          heartbeatError = error instanceof Error ? error : new Error(String(error));
          throw error;
        }),
      isRunning: () => payload.isRunning(),
    };
    try {
      await loadParked();
    } catch (error) {
      const first = messages[0];
      if (first !== undefined) retryLater(payload, first, toBusError(error, 'reading parked keys').message, 'could not read parked keys');
      return;
    }
    const pass =
      keyConcurrency > 1 && options.handle !== undefined
        ? await handleKeysConcurrently(payload, {
            limit: keyConcurrency,
            isPlain: (message) => {
              const route = routeOf(topic, partition, message);
              return route.kind === 'skip' ? 'skip' : route.kind === 'handle' && route.redrive === undefined ? 'plain' : 'careful';
            },
            handle: async (message) => options.handle(await decodeRecord(topic, partition, message), context),
          })
        : undefined;
    if (pass !== undefined && pass.done.size > 0) {
      const retrying = attempts.get(partitionId(topic, partition));
      if (retrying !== undefined && [...pass.done].some((i) => messages[i]?.offset === retrying.offset))
        attempts.delete(partitionId(topic, partition));
      await payload.heartbeat();
      await payload.commitOffsetsIfNecessary();
    }
    let chunkLimit = maxBatchRecords;
    let index = 0;
    while (index < messages.length) {
      if (!payload.isRunning() || payload.isStale()) return;
      const head = messages[index];
      if (head === undefined) return;
      // what the concurrent pass did is done; a record it saw fail is retried or dead-lettered with its error
      if (pass?.done.has(index)) {
        payload.resolveOffset(head.offset);
        index += 1;
        continue;
      }
      if (pass?.failed.has(index)) {
        if (heartbeatError !== undefined) throw heartbeatError;
        if (!(await onFailure(payload, { message: head, error: pass.failed.get(index) }))) return;
        index += 1;
        continue;
      }
      const route = routeOf(topic, partition, head);
      if (route.kind === 'skip') {
        payload.resolveOffset(head.offset);
        index += 1;
        continue;
      }
      if (route.kind === 'hold') {
        if (!(await holdBack(payload, head, route))) return;
        index += 1;
        continue;
      }
      // redriven copies go one at a time: each may settle its key
      const limit = route.redrive === undefined ? chunkLimit : 1;
      const chunk: ConsumedRecord<E>[] = [];
      let failure: Failure | undefined;
      for (const message of messages.slice(index, index + limit)) {
        if (chunk.length > 0) {
          const next = routeOf(topic, partition, message);
          if (next.kind !== 'handle' || next.redrive !== undefined) break;
        }
        try {
          chunk.push(await decodeRecord(topic, partition, message));
        } catch (error) {
          // an undecodable record is handled on its own once the records before it are through
          if (chunk.length === 0) failure = { message, error, redrive: route.redrive };
          break;
        }
      }
      const last = chunk.at(-1);
      if (last !== undefined) {
        const outcome = await runHandler(chunk, context).then(
          () => ({ ok: true as const }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        if (outcome.ok && route.redrive !== undefined) {
          try {
            await settleRedrive(topic, partition, head, route.redrive);
          } catch (error) {
            // handled again after the pause: the handler is idempotent
            retryLater(payload, head, toBusError(error, 'unparking').message, 'could not record the unparked key');
            return;
          }
        }
        if (outcome.ok) {
          payload.resolveOffset(last.offset);
          attempts.delete(partitionId(topic, partition));
          index += chunk.length;
          await payload.heartbeat();
          await payload.commitOffsetsIfNecessary();
          continue;
        }
        // a rebalance seen through the handler's heartbeat belongs to kafkajs, not to the retry logic
        if (heartbeatError !== undefined) throw heartbeatError;
        if (chunk.length > 1) {
          chunkLimit = 1;
          continue;
        }
        failure = { message: head, error: outcome.error, redrive: route.redrive };
      }
      if (failure === undefined) return;
      if (!(await onFailure(payload, failure))) return;
      index += 1;
    }
  };

  const lag = async (): Promise<PartitionLag[]> => {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    const result: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const base = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
        result.push({ topic, partition: end.partition, committed: offset, high: end.high, lag: Number(BigInt(end.high) - base) });
      }
    }
    return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  };

  const deadLetters = async (): Promise<DeadLetterDepth[]> => {
    const existing = new Set(await admin.listTopics());
    return Promise.all(
      topics.map(async (topic) => {
        const dlqTopic = dlq.topicFor(topic);
        if (!existing.has(dlqTopic)) return { topic, dlqTopic, records: 0 };
        const offsets = await admin.fetchTopicOffsets(dlqTopic);
        return { topic, dlqTopic, records: offsets.reduce((sum, { low, high }) => sum + Number(BigInt(high) - BigInt(low)), 0) };
      }),
    );
  };

  const status = (): ConsumerStatus => ({
    state,
    ...(crashError === undefined ? {} : { error: crashError }),
    retrying: [...attempts.values()].map(({ sinceMs: _, ...partition }) => partition),
    parked: parked.list().map((key) => ({ ...key, lastFrom: key.lastFrom.toString() })),
  });

  const seekToStart = async (
    startFrom: () => Promise<ReadonlyMap<string, bigint>>,
    assignment: Record<string, number[]>,
  ): Promise<void> => {
    try {
      const from = await startFrom();
      for (const [topic, partitions] of Object.entries(assignment))
        for (const partition of partitions) {
          const offset = from.get(`${topic}:${partition}`);
          if (offset !== undefined) consumer.seek({ topic, partition, offset: offset.toString() });
        }
    } catch (error) {
      // the committed offsets stand: the handler skips what its position covers, only more slowly
      logger.warn(`could not read where to begin after joining: ${(error as Error).message}`, { groupId });
    }
  };

  return {
    start: async () => {
      if (state !== 'new') throw new Error(`consumer ${groupId} was already started; create a new one`);
      state = 'running';
      await Promise.all([admin.connect(), dlqProducer.start(), consumer.connect()]);
      await consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? false });
      const joined = groupJoined(consumer).catch((error: unknown) => {
        throw toBusError(error, `consumer ${groupId} crashed while joining`);
      });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        // another member may have parked keys of partitions this one now holds
        parkedLoaded = undefined;
        attempts.clear();
        if (options.startFrom !== undefined) void seekToStart(options.startFrom, event.payload.memberAssignment);
      });
      consumer.on(consumer.events.CRASH, (event) => {
        logger.error(`consumer crashed${event.payload.restart ? ', restarting' : ''}: ${event.payload.error.message}`, { groupId });
        if (!event.payload.restart) {
          state = 'crashed';
          crashError = event.payload.error.message;
        }
      });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency ?? 3,
        autoCommitInterval: 1000,
        eachBatch,
      });
      await joined;
    },
    stop: async () => {
      if (state !== 'running' && state !== 'crashed') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      for (const timer of resumeTimers) clearTimeout(timer);
      resumeTimers.clear();
      // kafkajs lets the batch in hand finish, commits what was resolved and leaves the group
      await consumer.disconnect();
      await dlqProducer.stop();
      await admin.disconnect();
    },
    lag,
    status,
    deadLetters,
  };
};
