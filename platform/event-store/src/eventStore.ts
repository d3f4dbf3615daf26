import { ValidationError } from '@waggle/errors';

/** Who caused an event and when: carried to Kafka as CloudEvents and tracing headers. */
export type EventMetadata = {
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** ISO-8601 instant the event happened (CloudEvents `time`). */
  readonly occurredAt: string;
  readonly commandId?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
};

/** An event as a decider produces it: its type name and its data, which is JSON (see `toStoredEvents`). */
export type DomainEvent = { readonly type: string; readonly data: Readonly<Record<string, unknown>> };

/** An event ready to append. */
export type NewEvent = DomainEvent & { readonly metadata: EventMetadata };

/** An event as stored: its stream and its 1-based position in it. */
export type RecordedEvent = NewEvent & { readonly streamId: string; readonly version: number };

/** Where a batch sits in the outbox: its lane (a hash of the stream id) and its sequence number there. */
export type OutboxPosition = { readonly lane: number; readonly seq: number };

export type AppendOptions = {
  /**
   * The version the stream had when it was read: 0 for a new stream. Any other version (one the stream has not
   * reached, or one inside a batch) is a `ConcurrencyError`, as a version the stream has moved past is.
   */
  readonly expectedVersion: number;
  readonly commandId?: string;
};

export type AppendResult = {
  readonly streamId: string;
  readonly fromVersion: number;
  /** The stream's version after this append: the next append's `expectedVersion`. */
  readonly toVersion: number;
  readonly batchId: string;
  readonly position: OutboxPosition;
};

export type StreamSlice = {
  readonly streamId: string;
  /** Events with a version above the `fromVersion` asked for, in order. */
  readonly events: readonly RecordedEvent[];
  /** The stream's current version (0: no events). */
  readonly version: number;
  /** Command ids of the batches read and of their events (a batch may hold several commands' events), newest last. */
  readonly commandIds: readonly string[];
};

export type Snapshot = {
  readonly streamId: string;
  readonly version: number;
  /** Which shape of state this is; a decider that changes its state shape bumps it and old snapshots are ignored. */
  readonly schemaVersion: number;
  /** The decider's state, kept as JSON (like events), so any key a state holds can be stored. */
  readonly state: unknown;
};

/**
 * A command the store knows of. It is recorded before the command's events are appended, so a retry is recognised
 * however many commands came after it (within the store's retention of commands), and the first request's
 * fingerprint is the one kept.
 */
export type CommandRecord = {
  readonly commandId: string;
  readonly streamId: string;
  /** The stream's version when the command was first decided: the events it appended, if any, come after it. */
  readonly afterVersion: number;
  /** A digest of the request that carried the command, when it came with a client's idempotency key. */
  readonly fingerprint?: string;
  /** The command decided nothing: a retry returns that, even after the state changed. */
  readonly decidedNothing?: boolean;
};

/** A batch in an outbox lane, as the relay publishes it. */
export type OutboxBatch = {
  readonly position: OutboxPosition;
  readonly batchId: string;
  readonly streamId: string;
  readonly events: readonly RecordedEvent[];
};

/** One step of the relay through a lane. */
export type OutboxRead =
  /** committed batches to publish, in order, and the seq the lane's cursor may move to once they are acknowledged. */
  { readonly batches: readonly OutboxBatch[]; readonly throughSeq: number };

/**
 * The event store port. One stream per aggregate; batches are appended atomically with optimistic concurrency,
 * without multi-document transactions. Every appended batch also enters one outbox lane, from which the relay
 * publishes it to Kafka (the store is its own outbox: no dual write).
 */
export type EventStore = {
  readonly lanes: number;
  /**
   * Appends `events` as one atomic batch; throws `ConcurrencyError` when the stream is not at exactly `expectedVersion`,
   * and `ValidationError` for a batch the store cannot hold (not JSON, or over `maxBatchBytes`).
   */
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Reads a stream after `fromVersion` (0 = from the start; otherwise a version a read or append returned). */
  readStream(streamId: string, options?: { fromVersion?: number }): Promise<StreamSlice>;
  readSnapshot(streamId: string): Promise<Snapshot | undefined>;
  writeSnapshot(snapshot: Snapshot): Promise<void>;
  findCommand(commandId: string): Promise<CommandRecord | undefined>;
  /** Records a command unless its id is known already; then it records nothing and returns the earlier record. */
  recordCommand(record: CommandRecord): Promise<CommandRecord | undefined>;
  /** Marks a recorded command as having decided nothing. */
  recordDecidedNothing(commandId: string): Promise<void>;
  /**
   * Reads up to `limit` batches of `lane` after `afterSeq`. Entries of appends that lost a concurrency race are
   * skipped; an entry whose append is still in flight stops the read, and after `orphanAfterMs` (its writer
   * died between the two inserts) the relay completes that append so nothing appended is lost.
   */
  readOutbox(lane: number, afterSeq: number, options: { limit: number; orphanAfterMs: number }): Promise<OutboxRead>;
  /** The seq through which the relay has published a lane (0 = nothing yet). */
  readOutboxCursor(lane: number): Promise<number>;
  /** Moves a lane's cursor forward (never back), after the broker acknowledged everything through `seq`. */
  advanceOutboxCursor(lane: number, seq: number): Promise<void>;
  /** The last seq taken in a lane (0 = none): with the relay's cursor, how far behind the lane is (for operators). */
  readOutboxHead(lane: number): Promise<number>;
};

/**
 * Largest batch of events, as JSON, one append takes: MongoDB's 16 MiB document limit, less room for the rest of
 * the batch's documents (ids, versions, the outbox entry's vouchers). Every store refuses a larger one alike.
 */
export const maxBatchBytes = 16 * 1024 * 1024 - 64 * 1024;

/**
 * The events of an append as the store keeps them: a JSON copy taken at the call, so later changes by the caller
 * do not reach the store, and what JSON cannot hold (a BigInt, a cycle) or a batch over `maxBatchBytes` fails that
 * append alone with a ValidationError. JSON's own conversions apply (a Date becomes its ISO string), in every
 * store alike.
 */
export const toStoredEvents = (events: readonly NewEvent[]): { type: string; data: Record<string, unknown>; metadata: EventMetadata }[] => {
  let json: string;
  try {
    json = JSON.stringify(events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata })));
  } catch (error) {
    throw new ValidationError(`event data must be JSON: ${(error as Error).message}`, [], { cause: error });
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBatchBytes) {
    throw new ValidationError(`the events of one append take ${bytes} bytes as JSON; at most ${maxBatchBytes} fit in the store`);
  }
  return JSON.parse(json) as { type: string; data: Record<string, unknown>; metadata: EventMetadata }[];
};

/** The lane of a stream: a stable hash, so one stream always goes through one lane, in order. */
export const laneOf = (streamId: string, lanes: number): number => {
  // FNV-1a: cheap, stable across processes and languages
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    hash ^= streamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
};
