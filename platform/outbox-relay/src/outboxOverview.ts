import type { LaneStatus } from './outboxRelay.ts';
import type { LaneRecord } from './relayLedger.ts';

/**
 * One lane as `/status` shows it: `relaying`, `starting` (its claim failed: retrying) and `fenced` (taken over by a
 * newer claim) are lanes of this instance; `elsewhere` is held by another instance, `never started` by none.
 */
export type LaneOverview = {
  readonly lane: number;
  readonly state: LaneStatus['state'] | 'elsewhere' | 'never started';
  /** The instance that last claimed the lane. */
  readonly holder?: string;
  readonly epoch?: number;
  readonly cursor: number;
  /** The lane's last outbox seq, and how many entries after the cursor wait to be published. */
  readonly head?: number;
  readonly backlog?: number;
  /** Events this instance published from the lane since it started (absent for lanes of other instances). */
  readonly published?: number;
  /** Why the lane waits: its last error (from its holder, wherever it runs), or why it has not started. */
  readonly waiting?: string;
  readonly failingForMs?: number;
  readonly waitingForAckMs?: number;
};

export type OutboxOverview = {
  readonly instance: string;
  readonly lanes: LaneOverview[];
  /** Why some of it is unknown (the ledger or the store could not be read). */
  readonly error?: string;
};

/** Merges what this instance knows of its lanes with the ledger's record of every lane and the lanes' heads. */
export const toOutboxOverview = (input: {
  readonly lanes: number;
  readonly instance: string;
  readonly local: readonly LaneStatus[];
  readonly records: readonly LaneRecord[];
  readonly heads?: ReadonlyMap<number, number>;
  readonly now?: number;
}): OutboxOverview => {
  const now = input.now ?? Date.now();
  const lanes = Array.from({ length: input.lanes }, (_, lane): LaneOverview => {
    const mine = input.local.find((l) => l.lane === lane);
    const record = input.records.find((r) => r.lane === lane);
    const cursor = Math.max(mine?.cursor ?? 0, record?.cursor ?? 0);
    const head = input.heads?.get(lane);
    const position = { cursor, ...(head === undefined ? {} : { head, backlog: Math.max(0, head - cursor) }) };
    // fenced here and held by a newer claim elsewhere: show it as the ledger does
    if (mine && !(mine.state === 'fenced' && record !== undefined && record.epoch > (mine.epoch ?? 0))) {
      return {
        lane,
        state: mine.state,
        holder: input.instance,
        ...(mine.epoch === undefined ? {} : { epoch: mine.epoch }),
        ...position,
        published: mine.published,
        ...(mine.lastError === undefined
          ? mine.state === 'fenced'
            ? { waiting: 'taken over by a newer claim; stopped until the group assigns it here again' }
            : {}
          : { waiting: mine.lastError }),
        ...(mine.failingForMs === undefined ? {} : { failingForMs: mine.failingForMs }),
        ...(mine.waitingForAckMs === undefined ? {} : { waitingForAckMs: mine.waitingForAckMs }),
      };
    }
    if (!record) return { lane, state: 'never started', ...position, waiting: 'not started: no instance has claimed this lane' };
    return {
      lane,
      state: 'elsewhere',
      holder: record.instance,
      epoch: record.epoch,
      ...position,
      ...(record.lastError === undefined ? {} : { waiting: record.lastError }),
      ...(record.failingSince === undefined ? {} : { failingForMs: Math.max(0, now - Date.parse(record.failingSince)) }),
    };
  });
  return { instance: input.instance, lanes };
};
