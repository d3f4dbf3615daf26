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
  /** Command ids of the batches read and of their events, from the base or, when older, where a known command began. */
  commandIds: readonly string[];
  events: readonly RecordedEvent[];
};

/** A state to fold newer events onto: a stream's last state seen by this process, its snapshot, or the initial one. */
type Base<State> = {
  readonly state: State;
  readonly version: number;
  readonly snapshotVersion: number;
  /** The state this process last saw of the stream (nothing newer read yet). */
  readonly remembered?: boolean;
};
type Cached = Base<unknown> & { readonly decider: unknown };

/** Streams whose latest state this process keeps, per store: the most recently used ones. */
const maxCachedStreams = 1_000;
const stateCache = new WeakMap<EventStore, Map<string, Cached>>();

const remember = (store: EventStore, streamId: string, cached: Cached): void => {
  let streams = stateCache.get(store);
  if (!streams) stateCache.set(store, (streams = new Map<string, Cached>()));
  streams.delete(streamId);
  streams.set(streamId, cached);
  if (streams.size > maxCachedStreams) streams.delete(streams.keys().next().value!);
};

/**
 * Where a load starts: the state this process last saw of the stream (events never change, so a state at version
 * V stays the fold of 1..V; newer events, from any writer, are read after it), else the stream's snapshot.
 */
const rememberedBase = <C, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
): Base<S> | undefined => {
  const cached = stateCache.get(store)?.get(streamId);
  return cached?.decider === decider ? { ...(cached as Base<S>), remembered: true } : undefined;
};

const baseOf = async <C, E extends DomainEvent, S>(store: EventStore, decider: Decider<C, E, S>, streamId: string): Promise<Base<S>> => {
  const remembered = rememberedBase(store, decider, streamId);
  if (remembered !== undefined) return remembered;
  const snapshot = await store.readSnapshot(streamId);
  if (snapshot === undefined || snapshot.schemaVersion !== (decider.stateVersion ?? 1))
    return { state: decider.initialState(), version: 0, snapshotVersion: 0 };
  return { state: snapshot.state as S, version: snapshot.version, snapshotVersion: snapshot.version };
};

/**
 * Loads the state: the base and the events after it. `commandAfter`, the version a known command was first decided
 * at, makes the read start there when that is older than the base, so the command's events are seen.
 */
const load = async <C, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  base: Base<S>,
  commandAfter: number | undefined,
): Promise<Loaded<S>> => {
  const slice = await store.readStream(streamId, { fromVersion: Math.min(base.version, commandAfter ?? base.version) });
  const state = slice.events
    .filter((e) => e.version > base.version)
    .reduce((s, event) => decider.evolve(s, event as unknown as E), base.state);
  remember(store, streamId, { decider, state, version: slice.version, snapshotVersion: base.snapshotVersion });
  return { state, version: slice.version, snapshotVersion: base.snapshotVersion, commandIds: slice.commandIds, events: slice.events };
};

type Input<Command> = { readonly streamId: string; readonly command: Command; readonly metadata: CommandMetadata };

/** A command waiting for its stream: handled alone or together with the others waiting there. */
type Pending = {
  readonly input: Input<unknown>;
  readonly decider: Decider<unknown, DomainEvent, unknown>;
  readonly options: HandleCommandOptions;
  readonly resolve: (result: CommandResult<unknown>) => void;
  readonly reject: (error: unknown) => void;
  known?: CommandRecord | undefined;
  settled?: boolean;
};

/** Most commands of one stream decided on one load and appended as one batch. */
const maxGroup = 64;

/** Per store, per stream: the commands waiting while one group of that stream is in hand. */
const waiting = new WeakMap<EventStore, Map<string, Pending[]>>();

const refuseReusedKey = (pending: Pending, record: CommandRecord | undefined): void => {
  const { fingerprint, commandId } = pending.input.metadata;
  if (record?.fingerprint !== undefined && fingerprint !== undefined && record.fingerprint !== fingerprint) {
    throw new IdempotencyKeyReusedError(`command ${commandId} was first sent with another request`);
  }
};

const toNewEvents = (decided: readonly DomainEvent[], metadata: CommandMetadata): NewEvent[] =>
  decided.map((event, index) => ({
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

/** What one command of a group decided, on the state the commands before it in the group left. */
type Decision = { readonly pending: Pending; readonly events: NewEvent[]; readonly stateAfter: unknown };

/**
 * Handles a group of commands of one stream on one load: each is decided in turn on the state the ones before it
 * left, the new ones are recorded (one group insert), and all their events are appended as one batch, so N
 * commands cost one read of the stream and one append instead of N. A command that decided nothing is recorded as
 * such only after the append, since the state it saw included the group's events.
 */
const handleGroup = async (store: EventStore, streamId: string, group: Pending[]): Promise<void> => {
  const { decider, options } = group[0]!;
  const snapshotEvery = options.snapshotEvery ?? 50;
  const maxAttempts = options.maxAttempts ?? 10;
  const logger = options.logger ?? stderrLogger;
  let live = group;
  const settle = (pending: Pending, outcome: { result?: CommandResult<unknown>; error?: unknown }): void => {
    live = live.filter((p) => p !== pending);
    pending.settled = true;
    if (outcome.error !== undefined) pending.reject(outcome.error);
    else pending.resolve(outcome.result!);
  };

  // what the store knows of these commands, and where the stream's state starts, asked at the same time; on a stream
  // this process last saw, not asked: recording a command is itself the check (a known one's first record answers)
  const lookUpCommands = async (): Promise<void> => {
    const knowns = await Promise.all(live.map((p) => store.findCommand(p.input.metadata.commandId)));
    live.forEach((p, i) => (p.known = knowns[i]));
    for (const p of [...live]) {
      try {
        refuseReusedKey(p, p.known);
      } catch (error) {
        settle(p, { error });
      }
    }
  };
  let firstBase = rememberedBase(store, decider, streamId);
  const lookedUp = firstBase === undefined;
  if (firstBase === undefined) [, firstBase] = await Promise.all([lookUpCommands(), baseOf(store, decider, streamId)]);

  for (let attempt = 1; live.length > 0; attempt++) {
    const afters = live.flatMap((p) => (p.known === undefined ? [] : [p.known.afterVersion]));
    const base = attempt === 1 ? firstBase : await baseOf(store, decider, streamId);
    // new commands on the state this process last saw are decided without reading the stream: the append's expected
    // version is the check (another writer's batch there fails it, and the next attempt reads). A decision that
    // refuses or decides nothing has no append to check it, so it is made again on a read state.
    const unread = attempt === 1 && !lookedUp;
    const loaded: Loaded<unknown> = unread
      ? { state: base.state, version: base.version, snapshotVersion: base.snapshotVersion, commandIds: [], events: [] }
      : await load(store, decider, streamId, base, afters.length === 0 ? undefined : Math.min(...afters));
    let state = loaded.state;
    const decisions: Decision[] = [];
    const toRecord: CommandRecord[] = [];
    let readFirst = false;
    for (const p of [...live]) {
      const { commandId, fingerprint } = p.input.metadata;
      const fingerprinted = fingerprint === undefined ? {} : { fingerprint };
      if (loaded.commandIds.includes(commandId) || p.known?.decidedNothing === true) {
        const events = loaded.events.filter((e) => e.metadata.commandId === commandId);
        // appended by a writer that kept no record of it (an earlier waggle): record it now, so it stays known
        if (!p.known) await store.recordCommand({ commandId, streamId, afterVersion: (events[0]?.version ?? 1) - 1, ...fingerprinted });
        settle(p, { result: { streamId, events, version: loaded.version, state: loaded.state, duplicate: true } });
        continue;
      }
      let decided: readonly DomainEvent[];
      try {
        decided = p.decider.decide(p.input.command, state);
      } catch (error) {
        if (unread) {
          readFirst = true;
          break;
        }
        settle(p, { error });
        continue;
      }
      if (unread && decided.length === 0) {
        readFirst = true;
        break;
      }
      state = decided.reduce((s, e) => p.decider.evolve(s, e), state);
      decisions.push({ pending: p, events: toNewEvents(decided, p.input.metadata), stateAfter: state });
      if (!p.known && decided.length > 0) toRecord.push({ commandId, streamId, afterVersion: loaded.version, ...fingerprinted });
    }
    if (readFirst) {
      if (!lookedUp) await lookUpCommands();
      continue;
    }
    // recorded before their events are appended: a retry is then known however many commands come after it
    const earlier = await Promise.all(toRecord.map((record) => store.recordCommand(record)));
    let raced = false;
    toRecord.forEach((record, i) => {
      const p = live.find((q) => q.input.metadata.commandId === record.commandId)!;
      const first = earlier[i];
      // a concurrent request with this id recorded it first: its fingerprint decides, and its events are looked for
      if (first) raced = true;
      p.known = first ?? record;
      if (first) {
        try {
          refuseReusedKey(p, first);
        } catch (error) {
          settle(p, { error });
        }
      }
    });
    if (raced) continue;

    const newEvents = decisions.flatMap((d) => d.events);
    let appended: AppendResult | undefined;
    if (newEvents.length > 0) {
      try {
        appended = await store.append(streamId, newEvents, {
          expectedVersion: loaded.version,
          commandId: decisions[0]!.pending.input.metadata.commandId,
        });
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
        // full jitter keeps competing writers from colliding again in lockstep
        await delay(Math.random() * Math.min(100, 2 ** attempt));
        continue;
      }
    }
    if (appended !== undefined) {
      let snapshotVersion = loaded.snapshotVersion;
      if (snapshotEvery > 0 && appended.toVersion - loaded.snapshotVersion >= snapshotEvery) {
        const snapshot = { streamId, version: appended.toVersion, schemaVersion: decider.stateVersion ?? 1, state };
        try {
          await store.writeSnapshot(snapshot);
          snapshotVersion = snapshot.version;
        } catch (error) {
          // the events are committed: a missing snapshot only makes the next load fold a little more
          logger.warn({ err: error, streamId, version: snapshot.version }, 'event store: snapshot write failed');
        }
      }
      remember(store, streamId, { decider, state, version: appended.toVersion, snapshotVersion });
    }
    let version = loaded.version;
    for (const { pending, events, stateAfter } of decisions) {
      const recorded = events.map((e, i) => ({ ...e, streamId, version: version + 1 + i }));
      version += events.length;
      if (events.length === 0) {
        // the state it saw is now committed: its outcome stands, for its retries too
        if (pending.known) await store.recordDecidedNothing(pending.input.metadata.commandId);
        else {
          const { commandId, fingerprint } = pending.input.metadata;
          await store.recordCommand({
            commandId,
            streamId,
            afterVersion: loaded.version,
            decidedNothing: true,
            ...(fingerprint === undefined ? {} : { fingerprint }),
          });
        }
      }
      settle(pending, { result: { streamId, events: recorded, version, state: stateAfter, duplicate: false } });
    }
  }
};

const sameOptions = (a: HandleCommandOptions, b: HandleCommandOptions): boolean =>
  a.snapshotEvery === b.snapshotEvery && a.maxAttempts === b.maxAttempts && a.logger === b.logger;

/** The next group of a stream's queue: consecutive commands with one decider and options, each command id once. */
const takeGroup = (queue: Pending[]): Pending[] => {
  const first = queue[0]!;
  const ids = new Set<string>();
  const group: Pending[] = [];
  for (const p of queue) {
    if (group.length === maxGroup || p.decider !== first.decider || !sameOptions(p.options, first.options)) break;
    // a second request with the same id waits for the first one's outcome: it is then a duplicate, or refused
    if (ids.has(p.input.metadata.commandId)) continue;
    ids.add(p.input.metadata.commandId);
    group.push(p);
  }
  for (const p of group) queue.splice(queue.indexOf(p), 1);
  return group;
};

const drain = async (store: EventStore, streamId: string, queue: Pending[]): Promise<void> => {
  while (queue.length > 0) {
    const group = takeGroup(queue);
    try {
      await handleGroup(store, streamId, group);
    } catch (error) {
      // one command of a group may be what failed it (a batch too large, say): the others are tried alone
      if (group.length === 1) group[0]!.reject(error);
      else for (const p of group.filter((q) => !q.settled)) await handleGroup(store, streamId, [p]).catch(p.reject);
    }
  }
  waiting.get(store)?.delete(streamId);
};

/**
 * The one command handler: load (snapshot + newer events) → fold → decide → record the command → append with the
 * expected version, retrying on `ConcurrencyError`. Idempotent by command id: the command is recorded (first
 * record wins) before its events are appended, so a repeated id appends nothing and returns the first outcome
 * however many commands came after it, even when the first attempt crashed right after appending; a concurrent
 * request with the same id and another fingerprint is refused (`IdempotencyKeyReusedError`). A snapshot that
 * cannot be written is reported to the logger and never fails a committed command.
 *
 * Commands of one stream in one process never race each other: while one is in hand, the next ones wait, and are
 * then decided together on one load and appended as one batch (`handleGroup`), in the order they came. A hot
 * aggregate (a flight every booking holds seats on) thus costs one load and one append per group, not per command.
 */
export const handleCommand = <Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  input: Input<Command>,
  options: HandleCommandOptions = {},
): Promise<CommandResult<State>> =>
  new Promise<CommandResult<State>>((resolve, reject) => {
    let streams = waiting.get(store);
    if (!streams) waiting.set(store, (streams = new Map<string, Pending[]>()));
    const queue = streams.get(input.streamId);
    const pending: Pending = {
      input,
      decider: decider as unknown as Pending['decider'],
      options,
      resolve: resolve as Pending['resolve'],
      reject,
    };
    if (queue) queue.push(pending);
    else {
      const fresh = [pending];
      streams.set(input.streamId, fresh);
      void drain(store, input.streamId, fresh);
    }
  });
