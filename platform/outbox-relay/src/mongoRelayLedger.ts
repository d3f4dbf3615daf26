import { TransientError } from '@waggle/errors';
import type { Collection, Db } from 'mongodb';
import type { LaneRecord, QuarantineRecord, RelayLedger } from './relayLedger.ts';

type LaneDoc = { _id: string } & { -readonly [K in keyof LaneRecord]: LaneRecord[K] };
type QuarantineDoc = { _id: string } & QuarantineRecord;

const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown }).code === 11000;

/** Driver failures are retriable: the relay retries its step, the CLI says to try again. */
const transient = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw new TransientError(`relay ledger: ${what} failed: ${(error as Error).message}`, { cause: error });
  }
};

/** How often a holder's cursor moves refresh its `activeAt` (a successor allows for it when it waits). */
const activeEveryMs = 1_000;

const toLaneRecord = ({ _id, ...record }: LaneDoc): LaneRecord => record;

/**
 * The relay ledger in the service's own database, in two collections of its own (`outbox_relay_lanes`,
 * `outbox_quarantine`). Every call is one `_id` lookup or one conditional update, so it runs unchanged on MongoDB
 * and FerretDB; a fenced publisher is one whose conditional update matches nothing.
 */
export const createMongoRelayLedger = (options: { readonly db: Db; readonly collectionPrefix?: string }): RelayLedger => {
  const prefix = options.collectionPrefix ?? '';
  const lanes: Collection<LaneDoc> = options.db.collection(`${prefix}outbox_relay_lanes`);
  const quarantines: Collection<QuarantineDoc> = options.db.collection(`${prefix}outbox_quarantine`);
  const laneId = (lane: number): string => `lane-${lane}`;
  /** When this process last wrote each lane's `activeAt`: once a second is enough, and a step's update stays one `$max`. */
  const touched = new Map<number, number>();
  const touch = (lane: number): { $set?: { activeAt: string } } => {
    const now = Date.now();
    if (now - (touched.get(lane) ?? 0) < activeEveryMs) return {};
    touched.set(lane, now);
    return { $set: { activeAt: new Date(now).toISOString() } };
  };

  return {
    claim: (lane, instance, cursorFloor) =>
      transient('claim', async () => {
        const before = await lanes.findOneAndUpdate(
          { _id: laneId(lane) },
          {
            $inc: { epoch: 1 },
            $max: { cursor: cursorFloor },
            $set: { lane, instance, claimedAt: new Date().toISOString() },
            $unset: { lastError: '', failingSince: '', activeAt: '' },
          },
          { upsert: true, returnDocument: 'before' },
        );
        if (!before) return { epoch: 1, cursor: cursorFloor };
        return {
          epoch: before.epoch + 1,
          cursor: Math.max(before.cursor, cursorFloor),
          previous: {
            epoch: before.epoch,
            instance: before.instance,
            released: (before.releasedEpoch ?? 0) >= before.epoch,
            activeAt: before.activeAt ?? before.claimedAt,
          },
        };
      }),
    advance: (lane, epoch, seq) =>
      transient(
        'advance',
        async () => (await lanes.updateOne({ _id: laneId(lane), epoch }, { $max: { cursor: seq }, ...touch(lane) })).matchedCount === 1,
      ),
    holds: (lane, epoch) =>
      transient('holds', async () => (await lanes.findOne({ _id: laneId(lane) }, { projection: { epoch: 1 } }))?.epoch === epoch),
    release: (lane, epoch) =>
      transient('release', async () => {
        await lanes.updateOne({ _id: laneId(lane) }, { $max: { releasedEpoch: epoch } });
      }),
    released: (lane, epoch) =>
      transient(
        'released',
        async () => ((await lanes.findOne({ _id: laneId(lane) }, { projection: { releasedEpoch: 1 } }))?.releasedEpoch ?? 0) >= epoch,
      ),
    recordError: (lane, epoch, failure) =>
      transient('recordError', async () => {
        await lanes.updateOne(
          { _id: laneId(lane), epoch },
          failure === undefined
            ? { $unset: { lastError: '', failingSince: '' } }
            : { $set: { lastError: failure.error, failingSince: failure.since } },
        );
      }),
    lanes: () => transient('lanes', async () => (await lanes.find({}).sort({ lane: 1 }).toArray()).map(toLaneRecord)),
    quarantine: async (record) => {
      try {
        await transient('quarantine', () => quarantines.insertOne({ _id: `${record.lane}:${record.seq}`, ...record }));
        return true;
      } catch (error) {
        if (isDuplicateKey((error as Error).cause)) return false;
        throw error;
      }
    },
    quarantined: (lane, afterSeq) =>
      transient('quarantined', async () =>
        (
          await quarantines
            .find({ lane, seq: { $gt: afterSeq } })
            .sort({ seq: 1 })
            .toArray()
        ).map(({ _id, ...record }) => record),
      ),
  };
};
