import { setTimeout as delay } from 'node:timers/promises';
import { isRetriable } from '@waggle/errors';
import type { EventStore, RecordedEvent } from '@waggle/event-store';

/** A Kafka record ready to produce (the relay knows nothing of Kafka clients or Avro). */
export type OutgoingRecord = {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string | Buffer>>;
};

export type RelayLogger = {
  readonly info: (fields: Record<string, unknown>, message: string) => void;
  readonly error: (fields: Record<string, unknown>, message: string) => void;
};

export type OutboxRelayOptions = {
  readonly store: EventStore;
  /** Turns stored events into records (topic, key = stream id, Avro value, CloudEvents headers). */
  readonly toRecords: (events: readonly RecordedEvent[]) => Promise<readonly OutgoingRecord[]>;
  /** Produces records and resolves only once the broker acknowledged all of them (acks=all). */
  readonly publish: (records: readonly OutgoingRecord[]) => Promise<void>;
  /**
   * Most outbox batches read per step and lane (default 512). The read window starts at one and doubles while reads
   * come back full, so an idle lane asks for one key and a backlog is drained in large steps.
   */
  readonly batchLimit?: number;
  /** Idle polling starts at this interval and backs off up to `maxIdleMs` while nothing is appended. */
  readonly minIdleMs?: number;
  readonly maxIdleMs?: number;
  /** How long an outbox entry may wait for its stream insert before the relay completes the append itself. */
  readonly orphanAfterMs?: number;
  readonly logger?: RelayLogger;
};

export type LaneStatus = {
  readonly lane: number;
  readonly cursor: number;
  readonly published: number;
  readonly lastError?: string;
  /** How long the step being published has waited for the broker's acknowledgement (absent when none is). */
  readonly waitingForAckMs?: number;
};

export type OutboxRelay = {
  /** Starts relaying the given lanes (default: every lane of the store). */
  start(lanes?: readonly number[]): Promise<void>;
  /** Changes the owned lanes (after a rebalance): stops lanes no longer owned, after their in-flight step. */
  assign(lanes: readonly number[]): Promise<void>;
  /** Polls now: call it after an append in this process to skip the idle wait. */
  wake(): void;
  status(): readonly LaneStatus[];
  stop(): Promise<void>;
};

type LaneLoop = {
  lane: number;
  running: boolean;
  cursor: number;
  published: number;
  lastError?: string;
  publishingSince?: number;
  done: Promise<void>;
};

const quietLogger: RelayLogger = { info: () => {}, error: () => {} };

/** The read window of an idle lane: one key, as cheap as a poll can be. */
const idleWindow = 1;

/**
 * The outbox relay: for each owned lane, reads committed batches after the lane's cursor, publishes them in
 * order, and moves the cursor only after the broker acknowledged them. A crash between publish and cursor
 * move publishes those batches again (at least once, per-stream order kept); nothing appended is skipped.
 * Each lane reads its next step while the previous one is being published, but publishes one step at a time:
 * a step is handed to the producer only after the step before it was acknowledged, so a failed publish can
 * never be overtaken by a later one.
 */
export const createOutboxRelay = (options: OutboxRelayOptions): OutboxRelay => {
  const { store, toRecords, publish } = options;
  const batchLimit = Math.max(1, options.batchLimit ?? 512);
  const minIdleMs = options.minIdleMs ?? 2;
  const maxIdleMs = options.maxIdleMs ?? 25;
  const orphanAfterMs = options.orphanAfterMs ?? 10_000;
  const logger = options.logger ?? quietLogger;
  const loops = new Map<number, LaneLoop>();
  let wakeUp: (() => void) | undefined;
  let wakeSignal = new Promise<void>((resolve) => (wakeUp = resolve));

  const wake = (): void => {
    const resolve = wakeUp;
    wakeSignal = new Promise<void>((r) => (wakeUp = r));
    resolve?.();
  };

  const run = async (loop: LaneLoop): Promise<void> => {
    let idleMs = minIdleMs;
    let failures = 0;
    let window = idleWindow;
    /** Through which seq batches were read and handed on (ahead of `loop.cursor` while a publish is in flight). */
    let position = loop.cursor;
    /** The previous step's publish and cursor move. */
    let inFlight: Promise<void> | undefined;

    const publishStep = async (records: readonly OutgoingRecord[], throughSeq: number): Promise<void> => {
      if (records.length > 0) {
        loop.publishingSince = Date.now();
        try {
          await publish(records);
        } finally {
          delete loop.publishingSince;
        }
      }
      loop.published += records.length;
      await store.advanceOutboxCursor(loop.lane, throughSeq);
      loop.cursor = throughSeq;
    };

    while (loop.running) {
      try {
        const read = await store.readOutbox(loop.lane, position, { limit: window, orphanAfterMs });
        const records = read.batches.length > 0 ? await toRecords(read.batches.flatMap((b) => b.events)) : [];
        await inFlight;
        inFlight = undefined;
        // stopped (lanes reassigned) while reading ahead: what was read is the next owner's to publish
        if (!loop.running) break;
        failures = 0;
        delete loop.lastError;
        const advanced = read.throughSeq - position;
        if (advanced === 0) {
          window = idleWindow;
          await Promise.race([delay(idleMs), wakeSignal]);
          idleMs = Math.min(maxIdleMs, idleMs * 2);
          continue;
        }
        idleMs = minIdleMs;
        window = advanced >= window ? Math.min(batchLimit, window * 2) : advanced;
        position = read.throughSeq;
        inFlight = publishStep(records, read.throughSeq);
        // its failure is handled where it is awaited; this only keeps it from counting as unhandled meanwhile
        inFlight.catch(() => {});
      } catch (caught) {
        // a failed publish matters more than a failed read-ahead after it: report that one
        const publishError = await inFlight?.then(
          () => undefined,
          (error: unknown) => error,
        );
        const error = publishError ?? caught;
        inFlight = undefined;
        // start again from the last acknowledged step: what was read ahead is read again
        position = loop.cursor;
        window = idleWindow;
        failures += 1;
        loop.lastError = error instanceof Error ? error.message : String(error);
        // never skip: a failing batch blocks its lane (and only its lane) until it can be published
        logger.error(
          { lane: loop.lane, cursor: loop.cursor, failures, retriable: isRetriable(error), err: error },
          'outbox relay step failed; retrying',
        );
        await delay(Math.min(5_000, 50 * 2 ** Math.min(failures, 7)) * (0.5 + Math.random() / 2));
      }
    }
    try {
      await inFlight;
    } catch (error) {
      logger.error(
        { lane: loop.lane, cursor: loop.cursor, err: error },
        'outbox relay: last step before stopping failed; it is relayed again by the next owner',
      );
    }
  };

  const startLane = async (lane: number): Promise<void> => {
    if (loops.has(lane)) return;
    const loop: LaneLoop = { lane, running: true, cursor: await store.readOutboxCursor(lane), published: 0, done: Promise.resolve() };
    loop.done = run(loop);
    loops.set(lane, loop);
    logger.info({ lane, cursor: loop.cursor }, 'outbox relay lane started');
  };

  const stopLane = async (lane: number): Promise<void> => {
    const loop = loops.get(lane);
    if (!loop) return;
    loop.running = false;
    wake();
    await loop.done;
    loops.delete(lane);
    logger.info({ lane, cursor: loop.cursor }, 'outbox relay lane stopped');
  };

  let assigning: Promise<void> = Promise.resolve();
  /** Applies assignments one after another, so overlapping rebalances cannot leave a lane half stopped. */
  const assign = (lanes: readonly number[]): Promise<void> => {
    const apply = async (): Promise<void> => {
      const wanted = new Set(lanes);
      await Promise.all([...loops.keys()].filter((l) => !wanted.has(l)).map(stopLane));
      for (const lane of wanted) await startLane(lane);
    };
    const applied = assigning.then(apply, apply);
    assigning = applied.catch(() => {});
    return applied;
  };

  return {
    start: (lanes) => assign(lanes ?? Array.from({ length: store.lanes }, (_, i) => i)),
    assign,
    wake,
    status: () =>
      [...loops.values()].map((l) => ({
        lane: l.lane,
        cursor: l.cursor,
        published: l.published,
        ...(l.lastError === undefined ? {} : { lastError: l.lastError }),
        ...(l.publishingSince === undefined ? {} : { waitingForAckMs: Date.now() - l.publishingSince }),
      })),
    stop: () => assign([]),
  };
};
