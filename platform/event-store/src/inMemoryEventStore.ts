import { randomUUID } from 'node:crypto';
import { ConcurrencyError, ValidationError } from '@waggle/errors';
import {
  laneOf,
  toStoredEvents,
  type CommandRecord,
  type EventStore,
  type OutboxBatch,
  type RecordedEvent,
  type Snapshot,
} from './eventStore.ts';

type Batch = { batchId: string; from: number; to: number; commandId: string | null; events: RecordedEvent[] };

/**
 * The in-memory twin of the Mongo event store, for deciders' and handlers' unit tests. It passes the same contract
 * suite; it is not durable and is not shared between processes.
 */
export const createInMemoryEventStore = (options: { lanes?: number } = {}): EventStore => {
  const lanes = options.lanes ?? 4;
  const streams = new Map<string, Batch[]>();
  const outbox = new Map<number, OutboxBatch[]>();
  const snapshots = new Map<string, Snapshot>();
  const commands = new Map<string, CommandRecord>();
  const cursors = new Map<number, number>();
  const clone = <T>(value: T): T => structuredClone(value);
  // snapshots are kept as JSON, as the Mongo store keeps them: what JSON cannot hold fails the write alike
  const asJson = (snapshot: Snapshot): Snapshot => JSON.parse(JSON.stringify(snapshot)) as Snapshot;

  return {
    lanes,
    append(streamId, events, { expectedVersion, commandId }) {
      if (events.length === 0) return Promise.reject(new ValidationError('append needs at least one event'));
      if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
        return Promise.reject(new ValidationError(`expectedVersion must be an integer ≥ 0, got ${expectedVersion}`));
      }
      const batches = streams.get(streamId) ?? [];
      const current = batches.at(-1)?.to ?? 0;
      if (current !== expectedVersion) {
        return Promise.reject(new ConcurrencyError(`stream ${streamId} is past version ${expectedVersion}`, streamId, expectedVersion));
      }
      let stored: ReturnType<typeof toStoredEvents>;
      try {
        stored = toStoredEvents(events);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      const recorded = stored.map((e, i) => ({ ...e, streamId, version: expectedVersion + 1 + i }));
      const batch: Batch = {
        batchId: randomUUID(),
        from: expectedVersion + 1,
        to: expectedVersion + events.length,
        commandId: commandId ?? null,
        events: recorded,
      };
      streams.set(streamId, [...batches, batch]);
      const lane = laneOf(streamId, lanes);
      const laneBatches = outbox.get(lane) ?? [];
      const seq = laneBatches.length + 1;
      outbox.set(lane, [...laneBatches, { position: { lane, seq }, batchId: batch.batchId, streamId, events: recorded }]);
      return Promise.resolve({ streamId, fromVersion: batch.from, toVersion: batch.to, batchId: batch.batchId, position: { lane, seq } });
    },
    readStream(streamId, { fromVersion = 0 } = {}) {
      const batches = (streams.get(streamId) ?? []).filter((b) => b.from > fromVersion);
      return Promise.resolve({
        streamId,
        events: clone(batches.flatMap((b) => b.events)),
        version: batches.at(-1)?.to ?? fromVersion,
        commandIds: [
          ...new Set(
            batches.flatMap((b) => [...(b.commandId ? [b.commandId] : []), ...b.events.flatMap((e) => e.metadata.commandId ?? [])]),
          ),
        ],
      });
    },
    readSnapshot(streamId) {
      const snapshot = snapshots.get(streamId);
      return Promise.resolve(snapshot && clone(snapshot));
    },
    writeSnapshot(snapshot) {
      try {
        snapshots.set(snapshot.streamId, asJson(snapshot));
      } catch (error) {
        return Promise.reject(new ValidationError(`snapshot state must be JSON: ${(error as Error).message}`, [], { cause: error }));
      }
      return Promise.resolve();
    },
    findCommand(commandId) {
      const record = commands.get(commandId);
      return Promise.resolve(record && { ...record });
    },
    recordCommand(record) {
      const earlier = commands.get(record.commandId);
      if (!earlier) commands.set(record.commandId, { ...record });
      return Promise.resolve(earlier && { ...earlier });
    },
    recordDecidedNothing(commandId) {
      const record = commands.get(commandId);
      if (record) commands.set(commandId, { ...record, decidedNothing: true });
      return Promise.resolve();
    },
    readOutbox(lane, afterSeq, { limit }) {
      const batches = (outbox.get(lane) ?? []).slice(afterSeq, afterSeq + limit);
      return Promise.resolve({ batches: clone(batches), throughSeq: batches.at(-1)?.position.seq ?? afterSeq });
    },
    readOutboxCursor(lane) {
      return Promise.resolve(cursors.get(lane) ?? 0);
    },
    advanceOutboxCursor(lane, seq) {
      cursors.set(lane, Math.max(seq, cursors.get(lane) ?? 0));
      return Promise.resolve();
    },
    readOutboxHead(lane) {
      return Promise.resolve(outbox.get(lane)?.length ?? 0);
    },
  };
};
