import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ConcurrencyError, IdempotencyKeyReusedError } from '@waggle/errors';
import type { Decider } from './decider.ts';
import type { AppendResult, CommandRecord, DomainEvent, EventStore, NewEvent, RecordedEvent } from './eventStore.ts';
import { stderrLogger, type StoreLogger } from './storeLogger.ts';

/** Where a command comes from: its id makes handling it idempotent; the rest follows every event it causes. */
export type CommandMetadata = {
  readonly commandId: string;
  readonly correlationId: string;
  /** The event or request that caused the command; defaults to the command id. */
  readonly causationId?: string;
  /** ISO-8601 instant the command was issued: the `occurredAt` of its events. */
  readonly occurredAt: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** A digest of the request; a repeated command id with another fingerprint is a reused key, not a retry. */
  readonly fingerprint?: string;
};

export type HandleCommandOptions = {
  /** Write a snapshot when this many events have been appended since the last one (0 = never). */
  readonly snapshotEvery?: number;
  /** Attempts when other writers keep winning the race for the stream. */
  readonly maxAttempts?: number;
  /** Where a failed snapshot write is reported; it never fails the command (default: stderr). */
  readonly logger?: StoreLogger;
};

export type CommandResult<State> = {
  readonly streamId: string;
  /** The events this command appended (for a repeated command id: those of its first handling, when still readable). */
  readonly events: readonly RecordedEvent[];
  readonly version: number;
  readonly state: State;
  /** True when this command id was handled before and nothing was appended now. */
  readonly duplicate: boolean;
};

/** A stable event id per (command id, index): a retried command produces the same ids, so consumers can dedupe. */
export const eventIdFor = (commandId: string, index: number): string => {
  const hex = createHash('sha256').update(`${commandId}\u0000${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

type Loaded<State> = {
  state: State;
  version: number;
  snapshotVersion: number;
  /** Command ids of the batches read, which start at the snapshot or, when older, where a known command began. */
  commandIds: readonly string[];
  events: readonly RecordedEvent[];
};

/**
 * Loads the state (snapshot + newer events). `commandAfter`, the version a known command was first decided at,
 * makes the read start there when that is older than the snapshot, so the command's events are seen.
 */
const load = async <C, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  commandAfter: number | undefined,
): Promise<Loaded<S>> => {
  const snapshot = await store.readSnapshot(streamId);
  const usable = snapshot !== undefined && snapshot.schemaVersion === (decider.stateVersion ?? 1);
  const snapshotVersion = usable ? snapshot.version : 0;
  const slice = await store.readStream(streamId, { fromVersion: Math.min(snapshotVersion, commandAfter ?? snapshotVersion) });
  const start = usable ? (snapshot.state as S) : decider.initialState();
  return {
    state: slice.events
      .filter((e) => e.version > snapshotVersion)
      .reduce((state, event) => decider.evolve(state, event as unknown as E), start),
    version: slice.version,
    snapshotVersion,
    commandIds: slice.commandIds,
    events: slice.events,
  };
};

/**
 * The one command handler: load (snapshot + newer events) → fold → decide → record the command → append with the
 * expected version, retrying on `ConcurrencyError`. Idempotent by command id: the command is recorded (first
 * record wins) before its events are appended, so a repeated id appends nothing and returns the first outcome
 * however many commands came after it, even when the first attempt crashed right after appending; a concurrent
 * request with the same id and another fingerprint is refused (`IdempotencyKeyReusedError`). A snapshot that
 * cannot be written is reported to the logger and never fails a committed command.
 */
export const handleCommand = async <Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  input: { readonly streamId: string; readonly command: Command; readonly metadata: CommandMetadata },
  options: HandleCommandOptions = {},
): Promise<CommandResult<State>> => {
  const { streamId, command, metadata } = input;
  const { commandId } = metadata;
  const snapshotEvery = options.snapshotEvery ?? 50;
  const maxAttempts = options.maxAttempts ?? 10;
  const logger = options.logger ?? stderrLogger;
  const fingerprint = metadata.fingerprint === undefined ? {} : { fingerprint: metadata.fingerprint };
  const refuseReusedKey = (record: CommandRecord | undefined): void => {
    if (record?.fingerprint !== undefined && metadata.fingerprint !== undefined && record.fingerprint !== metadata.fingerprint) {
      throw new IdempotencyKeyReusedError(`command ${commandId} was first sent with another request`);
    }
  };

  let known = await store.findCommand(commandId);
  refuseReusedKey(known);
  for (let attempt = 1; ; attempt++) {
    const loaded = await load(store, decider, streamId, known?.afterVersion);
    if (loaded.commandIds.includes(commandId) || known?.decidedNothing === true) {
      const events = loaded.events.filter((e) => e.metadata.commandId === commandId);
      // appended by a writer that kept no record of it (an earlier waggle): record it now, so it stays known
      if (!known) await store.recordCommand({ commandId, streamId, afterVersion: (events[0]?.version ?? 1) - 1, ...fingerprint });
      return { streamId, events, version: loaded.version, state: loaded.state, duplicate: true };
    }

    const decided = decider.decide(command, loaded.state);
    if (!known) {
      const record: CommandRecord = {
        commandId,
        streamId,
        afterVersion: loaded.version,
        ...fingerprint,
        ...(decided.length === 0 ? { decidedNothing: true } : {}),
      };
      const earlier = await store.recordCommand(record);
      if (earlier) {
        // a concurrent request with this id recorded it first: its fingerprint decides, and its events are looked for
        refuseReusedKey(earlier);
        known = earlier;
        continue;
      }
      known = record;
    } else if (decided.length === 0) {
      // an earlier attempt recorded it and appended nothing (it failed or lost every race); now it decided nothing
      await store.recordDecidedNothing(commandId);
    }
    if (decided.length === 0) return { streamId, events: [], version: loaded.version, state: loaded.state, duplicate: false };

    const newEvents: NewEvent[] = decided.map((event, index) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: eventIdFor(commandId, index),
        correlationId: metadata.correlationId,
        causationId: metadata.causationId ?? commandId,
        occurredAt: metadata.occurredAt,
        commandId,
        ...(metadata.traceparent === undefined ? {} : { traceparent: metadata.traceparent }),
        ...(metadata.tracestate === undefined ? {} : { tracestate: metadata.tracestate }),
      },
    }));
    let appended: AppendResult;
    try {
      appended = await store.append(streamId, newEvents, { expectedVersion: loaded.version, commandId });
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
      // full jitter keeps competing writers from colliding again in lockstep
      await delay(Math.random() * Math.min(100, 2 ** attempt));
      continue;
    }
    const state = decided.reduce((s, e) => decider.evolve(s, e), loaded.state);
    if (snapshotEvery > 0 && appended.toVersion - loaded.snapshotVersion >= snapshotEvery) {
      const snapshot = { streamId, version: appended.toVersion, schemaVersion: decider.stateVersion ?? 1, state };
      try {
        await store.writeSnapshot(snapshot);
      } catch (error) {
        // the events are committed: a missing snapshot only makes the next load fold a little more
        logger.warn({ err: error, streamId, version: snapshot.version, commandId }, 'event store: snapshot write failed');
      }
    }
    const events = newEvents.map((e, i) => ({ ...e, streamId, version: appended.fromVersion + i }));
    return { streamId, events, version: appended.toVersion, state, duplicate: false };
  }
};
