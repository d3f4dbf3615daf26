import type { LaneRecord, QuarantineRecord, RelayLedger } from './relayLedger.ts';

/** The in-memory twin of the Mongo relay ledger, for unit tests; it passes the same contract suite. */
export const createInMemoryRelayLedger = (): RelayLedger => {
  const lanes = new Map<number, LaneRecord>();
  const quarantines = new Map<string, QuarantineRecord>();
  const held = (lane: number, epoch: number): LaneRecord | undefined => {
    const record = lanes.get(lane);
    return record?.epoch === epoch ? record : undefined;
  };
  return {
    claim(lane, instance, cursorFloor) {
      const before = lanes.get(lane);
      const record: LaneRecord = {
        lane,
        epoch: (before?.epoch ?? 0) + 1,
        instance,
        cursor: Math.max(cursorFloor, before?.cursor ?? 0),
        claimedAt: new Date().toISOString(),
        ...(before?.releasedEpoch === undefined ? {} : { releasedEpoch: before.releasedEpoch }),
      };
      lanes.set(lane, record);
      return Promise.resolve({
        epoch: record.epoch,
        cursor: record.cursor,
        ...(before === undefined
          ? {}
          : {
              previous: {
                epoch: before.epoch,
                instance: before.instance,
                released: (before.releasedEpoch ?? 0) >= before.epoch,
                activeAt: before.activeAt ?? before.claimedAt,
              },
            }),
      });
    },
    advance(lane, epoch, seq) {
      const record = held(lane, epoch);
      if (record) lanes.set(lane, { ...record, cursor: Math.max(seq, record.cursor), activeAt: new Date().toISOString() });
      return Promise.resolve(record !== undefined);
    },
    holds: (lane, epoch) => Promise.resolve(held(lane, epoch) !== undefined),
    release(lane, epoch) {
      const record = lanes.get(lane);
      if (record) lanes.set(lane, { ...record, releasedEpoch: Math.max(epoch, record.releasedEpoch ?? 0) });
      return Promise.resolve();
    },
    released: (lane, epoch) => Promise.resolve((lanes.get(lane)?.releasedEpoch ?? 0) >= epoch),
    recordError(lane, epoch, failure) {
      const record = held(lane, epoch);
      if (!record) return Promise.resolve();
      const { lastError: _, failingSince: __, ...rest } = record;
      lanes.set(lane, failure === undefined ? rest : { ...rest, lastError: failure.error, failingSince: failure.since });
      return Promise.resolve();
    },
    lanes: () => Promise.resolve([...lanes.values()].sort((a, b) => a.lane - b.lane)),
    quarantine(record) {
      const key = `${record.lane}:${record.seq}`;
      if (quarantines.has(key)) return Promise.resolve(false);
      quarantines.set(key, structuredClone(record));
      return Promise.resolve(true);
    },
    quarantined: (lane, afterSeq) =>
      Promise.resolve([...quarantines.values()].filter((q) => q.lane === lane && q.seq > afterSeq).sort((a, b) => a.seq - b.seq)),
  };
};
