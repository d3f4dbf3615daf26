import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { isRetriable, TransientError } from '@waggle/errors';
import type { EventStore, OutboxBatch, RecordedEvent } from '@waggle/event-store';
import { createLaneSignals } from './laneSignals.ts';
import type { Claimed, RelayLedger } from './relayLedger.ts';

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

/** Which lane and which claim of it a published step belongs to. */
export type PublishStep = { readonly lane: number; readonly epoch: number };

export type OutboxRelayOptions = {
  readonly store: EventStore;
  /** Where the relay keeps each lane's cursor and epoch (fencing) and the quarantined entries. */
  readonly ledger: RelayLedger;
  /** Names this relay instance in the ledger and in `/status` (default: host, pid and a random suffix). */
  readonly instance?: string;
  /** Turns stored events into records (topic, key = stream id, Avro value, CloudEvents headers). */
  readonly toRecords: (events: readonly RecordedEvent[]) => Promise<readonly OutgoingRecord[]>;
  /** Produces records and resolves only once the broker acknowledged all of them (acks=all). */
  readonly publish: (records: readonly OutgoingRecord[], step: PublishStep) => Promise<void>;
  /**
   * Most outbox batches read per step and lane (default 512). The read window starts at one and doubles while reads
   * come back full, so an idle lane asks for one key and a backlog is drained in large steps.
   */
  readonly batchLimit?: number;
  /**
   * Idle polling starts at `minIdleMs` (default 1 s) and backs off, up to `activeIdleMs` (default 1 s) for `activeForMs`
   * (default 1 s) after the lane last had work, then up to `maxIdleMs` (default 1 s): a quiet lane costs one read a
   * second. `wake()` ends any wait, so appends in this process never wait for a poll, and appends of other instances
   * are signalled (`createRelayService`): polling is the safety net only. Starting at 2 ms with a 25 ms ceiling made a
   * lane read ~45 times after each append, 60 % of every context's Mongo operations at 5 bookings/s; starting at
   * 100 ms still made it read 2–3 times for nothing after each append (a third of every context's operations); a
   * step whose read came back short of its window waits like an empty read instead of reading again at once.
   */
  readonly minIdleMs?: number;
  readonly activeIdleMs?: number;
  readonly activeForMs?: number;
  readonly maxIdleMs?: number;
  /** How long an outbox entry may wait for its stream insert before the relay completes the append itself. */
  readonly orphanAfterMs?: number;
  /**
   * A lane whose hold was last confirmed longer ago than this asks the ledger before it publishes (default 1 s). Every
   * acknowledged step confirms it (its cursor move is conditional on the epoch), so a busy lane never asks; a
   * publisher that was paused (GC, SIGSTOP, a long Mongo call) asks before it publishes anything.
   */
  readonly confirmAfterMs?: number;
  /** How long stopping a lane waits for its step in flight (default 5 s); the next owner publishes that step again. */
  readonly stopTimeoutMs?: number;
  readonly logger?: RelayLogger;
};

/** A lane this instance holds: `starting` until it could claim it, `fenced` once a newer claim took it over. */
export type LaneState = 'starting' | 'relaying' | 'fenced';

export type LaneStatus = {
  readonly lane: number;
  readonly state: LaneState;
  /** The claim this instance holds (absent while starting). */
  readonly epoch?: number;
  readonly cursor: number;
  readonly published: number;
  readonly lastError?: string;
  /** Since when the lane has failed without a break. */
  readonly failingForMs?: number;
  /** How long the step being published has waited for the broker's acknowledgement (absent when none is). */
  readonly waitingForAckMs?: number;
};

export type OutboxRelay = {
  /** This relay instance's name in the ledger. */
  readonly instance: string;
  /** Starts relaying the given lanes (default: every lane of the store). */
  start(lanes?: readonly number[]): Promise<void>;
  /**
   * Changes the owned lanes (after a rebalance): stops lanes no longer owned, after their in-flight step (at most
   * `stopTimeoutMs`), and claims the others. A lane whose claim fails keeps retrying in the background.
   */
  assign(lanes: readonly number[]): Promise<void>;
  /** Reads `lane` now (every lane when absent): call it after an append in this process to skip the idle wait. */
  wake(lane?: number): void;
  /** The lanes this instance holds, from memory (cheap enough to poll). */
  status(): readonly LaneStatus[];
  stop(): Promise<void>;
};

type LaneLoop = {
  lane: number;
  running: boolean;
  state: LaneState;
  epoch?: number;
  cursor: number;
  published: number;
  lastError?: string;
  failingSince?: number;
  publishingSince?: number;
  /** When the ledger last confirmed that `epoch` holds the lane (performance.now()). */
  confirmedAt: number;
  quarantined: ReadonlySet<number>;
  stopped: Promise<void>;
  stopNow: () => void;
  done: Promise<void>;
};

const quietLogger: RelayLogger = { info: () => {}, error: () => {} };

/** The read window of an idle lane: one key, as cheap as a poll can be. */
const idleWindow = 1;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Waits `ms` or until `woken`, whichever comes first, leaving no timer behind (a wake per append is common). */
const idle = async (ms: number, woken: Promise<void>): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), woken]);
  clearTimeout(timer);
};

const backoffMs = (failures: number): number => Math.min(5_000, 50 * 2 ** Math.min(failures, 7)) * (0.5 + Math.random() / 2);

/**
 * The outbox relay: for each owned lane, reads committed batches after the lane's cursor, publishes them in
 * order, and moves the cursor only after the broker acknowledged them. A crash between publish and cursor
 * move publishes those batches again (at least once, per-stream order kept); nothing appended is skipped.
 * Each lane reads its next step while the previous one is being published, but publishes one step at a time:
 * a step is handed to the producer only after the step before it was acknowledged, so a failed publish can
 * never be overtaken by a later one.
 *
 * Lanes are fenced: starting a lane claims it in the ledger (a new epoch), every cursor move is conditional on that
 * epoch, and a lane not confirmed lately checks it before publishing. A publisher that lost its lane to a newer
 * claim (an instance evicted from its group without noticing, or paused past its session) stops before it
 * publishes a second step. An entry quarantined by an operator is stepped over once it fails to publish.
 */
export const createOutboxRelay = (options: OutboxRelayOptions): OutboxRelay => {
  const { store, ledger, toRecords, publish } = options;
  const instance = options.instance ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 6)}`;
  const batchLimit = Math.max(1, options.batchLimit ?? 512);
  const minIdleMs = options.minIdleMs ?? 1_000;
  const activeIdleMs = options.activeIdleMs ?? 1_000;
  const activeForMs = options.activeForMs ?? 1_000;
  const maxIdleMs = options.maxIdleMs ?? 1_000;
  const orphanAfterMs = options.orphanAfterMs ?? 10_000;
  const confirmAfterMs = options.confirmAfterMs ?? 1_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const logger = options.logger ?? quietLogger;
  const loops = new Map<number, LaneLoop>();
  const { woken: signalOf, wake } = createLaneSignals();

  /** Records a failure in memory and, for other instances and the CLI, in the ledger. */
  const failed = (loop: LaneLoop, error: string): void => {
    loop.lastError = error;
    loop.failingSince ??= Date.now();
    if (loop.epoch === undefined) return;
    ledger
      .recordError(loop.lane, loop.epoch, { error, since: new Date(loop.failingSince).toISOString() })
      .catch((caught: unknown) => logger.error({ lane: loop.lane, err: caught }, 'outbox relay: could not record why the lane waits'));
  };

  const recovered = (loop: LaneLoop): void => {
    if (loop.lastError === undefined) return;
    delete loop.lastError;
    delete loop.failingSince;
    if (loop.epoch === undefined) return;
    ledger
      .recordError(loop.lane, loop.epoch, undefined)
      .catch((caught: unknown) => logger.error({ lane: loop.lane, err: caught }, 'outbox relay: could not clear the lane’s error'));
  };

  const fence = (loop: LaneLoop): void => {
    loop.running = false;
    loop.state = 'fenced';
    logger.info({ lane: loop.lane, epoch: loop.epoch, cursor: loop.cursor }, 'outbox relay: a newer claim took this lane over; stopped');
  };

  /** Claims the lane, retrying until it succeeds or the lane is stopped (Mongo may be unreachable after a rebalance). */
  const claim = async (loop: LaneLoop): Promise<boolean> => {
    for (let failures = 1; loop.running; failures++) {
      try {
        const claimed = await ledger.claim(loop.lane, instance, await store.readOutboxCursor(loop.lane));
        loop.epoch = claimed.epoch;
        if (claimed.previous && !claimed.previous.released) await handOver(loop, claimed.previous);
        loop.cursor = claimed.cursor;
        loop.confirmedAt = performance.now();
        loop.quarantined = new Set((await ledger.quarantined(loop.lane, claimed.cursor)).map((q) => q.seq));
        loop.state = 'relaying';
        delete loop.lastError;
        delete loop.failingSince;
        logger.info({ lane: loop.lane, epoch: claimed.epoch, cursor: claimed.cursor, instance }, 'outbox relay lane started');
        return true;
      } catch (error) {
        // a claim that went through before the failure published nothing: nobody needs to wait for it
        if (loop.epoch !== undefined) {
          const epoch = loop.epoch;
          delete loop.epoch;
          await ledger
            .release(loop.lane, epoch)
            .catch(() => logger.error({ lane: loop.lane, epoch }, 'outbox relay: could not release a claim'));
        }
        failed(loop, `start failed: retrying: ${messageOf(error)}`);
        logger.error({ lane: loop.lane, failures, err: error }, 'outbox relay: starting the lane failed; retrying');
        await Promise.race([delay(backoffMs(failures)), loop.stopped]);
      }
    }
    return false;
  };

  /**
   * Waits for the previous holder's step in flight: it has stopped (a rebalance) or is stopped by this claim (its next
   * cursor move fails), and says so once its last step is settled. A holder silent for `stopTimeoutMs` (crashed,
   * paused, or stuck on the broker) is not waited for; nor is any holder for longer than that.
   */
  const handOver = async (loop: LaneLoop, previous: NonNullable<Claimed['previous']>): Promise<void> => {
    const began = Date.now();
    // `activeAt` is refreshed about once a second: a holder is silent once it is older than that and the timeout
    const deadline = Math.min(began + stopTimeoutMs, Date.parse(previous.activeAt) + 1_000 + stopTimeoutMs);
    while (loop.running && Date.now() < deadline) {
      if (await ledger.released(loop.lane, previous.epoch)) return;
      await Promise.race([delay(5), loop.stopped]);
    }
    if (loop.running) {
      logger.info(
        { lane: loop.lane, previous: previous.instance, waitedMs: Date.now() - began },
        'outbox relay: the previous holder of the lane did not say it stopped; taking it over',
      );
    }
  };

  const run = async (loop: LaneLoop): Promise<void> => {
    if (!(await claim(loop))) return;
    const epoch = loop.epoch!;
    let idleMs = minIdleMs;
    let lastWorkAt = performance.now();
    let failures = 0;
    let window = idleWindow;
    /** Through which seq batches were read and handed on (ahead of `loop.cursor` while a publish is in flight). */
    let position = loop.cursor;
    /** The previous step's publish and cursor move; `false` once a newer claim fenced the lane. */
    let inFlight: Promise<boolean> | undefined;

    const publishStep = async (records: readonly OutgoingRecord[], throughSeq: number): Promise<boolean> => {
      if (records.length > 0) {
        // long unconfirmed (paused, or idle): make sure nobody took the lane over before publishing anything; an
        // answer is as old as its question, so a pause while asking means asking again
        for (let asked = 0; performance.now() - loop.confirmedAt > confirmAfterMs; asked++) {
          if (asked === 3)
            throw new TransientError(`the relay ledger answers too slowly (over ${confirmAfterMs} ms) to vouch for lane ${loop.lane}`);
          const asking = performance.now();
          if (!(await ledger.holds(loop.lane, epoch))) return false;
          loop.confirmedAt = asking;
        }
        loop.publishingSince = Date.now();
        try {
          await publish(records, { lane: loop.lane, epoch });
        } finally {
          delete loop.publishingSince;
        }
      }
      const confirming = performance.now();
      if (!(await ledger.advance(loop.lane, epoch, throughSeq))) return false;
      loop.confirmedAt = confirming;
      loop.published += records.length;
      loop.cursor = throughSeq;
      return true;
    };

    while (loop.running) {
      // taken before the read: a wake while reading (an append it may have missed) ends the wait after it at once
      const woken = signalOf(loop.lane);
      try {
        const read = await store.readOutbox(loop.lane, position, { limit: window, orphanAfterMs });
        const batches = read.batches.filter((b) => !loop.quarantined.has(b.position.seq));
        logQuarantined(loop, read.batches, batches);
        const records = batches.length > 0 ? await toRecords(batches.flatMap((b) => b.events)) : [];
        const held = await inFlight;
        inFlight = undefined;
        if (held === false) {
          fence(loop);
          break;
        }
        // stopped (lanes reassigned) while reading ahead: what was read is the next owner's to publish
        if (!loop.running) break;
        failures = 0;
        recovered(loop);
        const advanced = read.throughSeq - position;
        if (advanced === 0) {
          window = idleWindow;
          await idle(idleMs, woken);
          const ceiling = performance.now() - lastWorkAt < activeForMs ? activeIdleMs : maxIdleMs;
          idleMs = Math.min(ceiling, idleMs * 2);
          continue;
        }
        idleMs = minIdleMs;
        lastWorkAt = performance.now();
        const drained = advanced < window;
        window = drained ? advanced : Math.min(batchLimit, window * 2);
        position = read.throughSeq;
        inFlight = publishStep(records, read.throughSeq);
        // its failure is handled where it is awaited; this only keeps it from counting as unhandled meanwhile
        inFlight.catch(() => {});
        // a read short of its window found the lane's end: the next read waits for an append's wake (taken before
        // this read, so one made meanwhile ends the wait at once) instead of finding nothing, one read per step less
        if (drained) {
          await idle(idleMs, woken);
          idleMs = Math.min(activeIdleMs, idleMs * 2);
        }
      } catch (caught) {
        // a failed publish matters more than a failed read-ahead after it: report that one
        const publishError = await inFlight?.then(
          (held) => (held ? undefined : 'fenced'),
          (error: unknown) => error,
        );
        inFlight = undefined;
        if (publishError === 'fenced') {
          fence(loop);
          break;
        }
        const error = publishError ?? caught;
        // start again from the last acknowledged step: what was read ahead is read again
        position = loop.cursor;
        window = idleWindow;
        failures += 1;
        failed(loop, messageOf(error));
        // never skip: a failing batch blocks its lane (and only its lane) until it can be published or an operator
        // quarantines it, which is looked up here, while the lane is blocked
        logger.error(
          { lane: loop.lane, cursor: loop.cursor, failures, retriable: isRetriable(error), err: error },
          'outbox relay step failed; retrying',
        );
        await Promise.race([delay(backoffMs(failures)), loop.stopped]);
        try {
          loop.quarantined = new Set((await ledger.quarantined(loop.lane, loop.cursor)).map((q) => q.seq));
        } catch (lookup) {
          logger.error({ lane: loop.lane, err: lookup }, 'outbox relay: could not look up quarantined entries');
        }
      }
    }
    try {
      if ((await inFlight) === false) fence(loop);
    } catch (error) {
      logger.error(
        { lane: loop.lane, cursor: loop.cursor, err: error },
        'outbox relay: last step before stopping failed; it is relayed again by the next owner',
      );
    }
    // nothing of this epoch is in flight any more: the next holder need not wait for it
    await ledger
      .release(loop.lane, epoch)
      .catch((error: unknown) => logger.error({ lane: loop.lane, err: error }, 'outbox relay: could not release the lane'));
  };

  const logQuarantined = (loop: LaneLoop, read: readonly OutboxBatch[], kept: readonly OutboxBatch[]): void => {
    if (kept.length === read.length) return;
    for (const b of read.filter((r) => !kept.includes(r))) {
      logger.info(
        { lane: loop.lane, seq: b.position.seq, streamId: b.streamId, batchId: b.batchId },
        'outbox relay: stepped over a quarantined entry (not published)',
      );
    }
  };

  const startLane = (lane: number): void => {
    const existing = loops.get(lane);
    if (existing?.running === true) return;
    let stopNow: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (stopNow = resolve));
    const loop: LaneLoop = {
      lane,
      running: true,
      state: 'starting',
      cursor: existing?.cursor ?? 0,
      published: existing?.published ?? 0,
      confirmedAt: 0,
      quarantined: new Set(),
      stopped,
      stopNow,
      done: Promise.resolve(),
    };
    loop.done = run(loop);
    loops.set(lane, loop);
  };

  const stopLane = async (lane: number): Promise<void> => {
    const loop = loops.get(lane);
    if (!loop) return;
    loop.running = false;
    loop.stopNow();
    wake();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      loop.done.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (loops.get(lane) === loop) loops.delete(lane);
    if (timedOut) {
      logger.error(
        { lane, cursor: loop.cursor, waitingForAckMs: loop.publishingSince === undefined ? undefined : Date.now() - loop.publishingSince },
        `outbox relay lane stopped without the acknowledgement of its step in flight (${stopTimeoutMs} ms); the next owner publishes it again`,
      );
    } else {
      logger.info({ lane, cursor: loop.cursor }, 'outbox relay lane stopped');
    }
  };

  let assigning: Promise<void> = Promise.resolve();
  /** Applies assignments one after another, so overlapping rebalances cannot leave a lane half stopped. */
  const assign = (lanes: readonly number[]): Promise<void> => {
    const apply = async (): Promise<void> => {
      const wanted = new Set(lanes);
      await Promise.all([...loops.keys()].filter((l) => !wanted.has(l)).map(stopLane));
      // a lane fenced since the last assignment is claimed again: the group gave it to this instance once more
      for (const lane of wanted) startLane(lane);
    };
    const applied = assigning.then(apply, apply);
    assigning = applied.catch(() => {});
    return applied;
  };

  return {
    instance,
    start: (lanes) => assign(lanes ?? Array.from({ length: store.lanes }, (_, i) => i)),
    assign,
    wake,
    status: () =>
      [...loops.values()]
        .map((l) => ({
          lane: l.lane,
          state: l.state,
          ...(l.epoch === undefined ? {} : { epoch: l.epoch }),
          cursor: l.cursor,
          published: l.published,
          ...(l.lastError === undefined ? {} : { lastError: l.lastError }),
          ...(l.failingSince === undefined ? {} : { failingForMs: Date.now() - l.failingSince }),
          ...(l.publishingSince === undefined ? {} : { waitingForAckMs: Date.now() - l.publishingSince }),
        }))
        .sort((a, b) => a.lane - b.lane),
    stop: () => assign([]),
  };
};
