import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ConcurrencyError, IdempotencyKeyReusedError } from '@waggle/errors';
import type { Decider } from './decider.ts';
import type { DomainEvent, EventStore, NewEvent, RecordedEvent } from './eventStore.ts';

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
  sinceSnapshot: readonly string[];
  events: readonly RecordedEvent[];
};

const load = async <C, E extends DomainEvent, S>(store: EventStore, decider: Decider<C, E, S>, streamId: string): Promise<Loaded<S>> => {
  const snapshot = await store.readSnapshot(streamId);
  const usable = snapshot !== undefined && snapshot.schemaVersion === (decider.stateVersion ?? 1);
  const fromVersion = usable ? snapshot.version : 0;
  const slice = await store.readStream(streamId, { fromVersion });
  const start = usable ? (snapshot.state as S) : decider.initialState();
  return {
    state: slice.events.reduce((state, event) => decider.evolve(state, event as unknown as E), start),
    version: slice.version,
    snapshotVersion: fromVersion,
    sinceSnapshot: [...(usable ? snapshot.commandIds : []), ...slice.commandIds],
    events: slice.events,
  };
};

/**
 * The one command handler: load (snapshot + newer events) → fold → decide → append with the expected version,
 * retrying on `ConcurrencyError`. Idempotent by command id: a repeated id appends nothing and returns the first
 * outcome, even when the first attempt crashed between appending and recording its outcome.
 */
export const handleCommand = async <Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  input: { readonly streamId: string; readonly command: Command; readonly metadata: CommandMetadata },
  options: HandleCommandOptions = {},
): Promise<CommandResult<State>> => {
  const { streamId, command, metadata } = input;
  const snapshotEvery = options.snapshotEvery ?? 50;
  const maxAttempts = options.maxAttempts ?? 10;

  const previous = await store.findCommand(metadata.commandId);
  if (previous?.fingerprint !== undefined && metadata.fingerprint !== undefined && previous.fingerprint !== metadata.fingerprint) {
    throw new IdempotencyKeyReusedError(`command ${metadata.commandId} was first sent with another request`);
  }
  const fingerprint = metadata.fingerprint === undefined ? {} : { fingerprint: metadata.fingerprint };
  for (let attempt = 1; ; attempt++) {
    const loaded = await load(store, decider, streamId);
    if (previous || loaded.sinceSnapshot.includes(metadata.commandId)) {
      const events = loaded.events.filter((e) => e.metadata.commandId === metadata.commandId);
      if (!previous) {
        const fromVersion = (events[0]?.version ?? loaded.version + 1) - 1;
        await store.recordCommand({
          commandId: metadata.commandId,
          streamId,
          fromVersion,
          toVersion: events.at(-1)?.version ?? fromVersion,
          ...fingerprint,
        });
      }
      return { streamId, events, version: loaded.version, state: loaded.state, duplicate: true };
    }

    const decided = decider.decide(command, loaded.state);
    if (decided.length === 0) {
      await store.recordCommand({
        commandId: metadata.commandId,
        streamId,
        fromVersion: loaded.version,
        toVersion: loaded.version,
        ...fingerprint,
      });
      return { streamId, events: [], version: loaded.version, state: loaded.state, duplicate: false };
    }

    const newEvents: NewEvent[] = decided.map((event, index) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: eventIdFor(metadata.commandId, index),
        correlationId: metadata.correlationId,
        causationId: metadata.causationId ?? metadata.commandId,
        occurredAt: metadata.occurredAt,
        commandId: metadata.commandId,
        ...(metadata.traceparent === undefined ? {} : { traceparent: metadata.traceparent }),
        ...(metadata.tracestate === undefined ? {} : { tracestate: metadata.tracestate }),
      },
    }));
    try {
      const appended = await store.append(streamId, newEvents, { expectedVersion: loaded.version, commandId: metadata.commandId });
      await store.recordCommand({
        commandId: metadata.commandId,
        streamId,
        fromVersion: appended.fromVersion,
        toVersion: appended.toVersion,
        ...fingerprint,
      });
      const state = decided.reduce((s, e) => decider.evolve(s, e), loaded.state);
      if (snapshotEvery > 0 && appended.toVersion - loaded.snapshotVersion >= snapshotEvery) {
        await store.writeSnapshot({
          streamId,
          version: appended.toVersion,
          schemaVersion: decider.stateVersion ?? 1,
          state,
          commandIds: [...loaded.sinceSnapshot, metadata.commandId].slice(-snapshotEvery),
        });
      }
      const events = newEvents.map((e, i) => ({ ...e, streamId, version: appended.fromVersion + i }));
      return { streamId, events, version: appended.toVersion, state, duplicate: false };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
      // full jitter keeps competing writers from colliding again in lockstep
      await delay(Math.random() * Math.min(100, 2 ** attempt));
    }
  }
};
