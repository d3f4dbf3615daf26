/** What the ledger knows of one lane: who relays it, under which epoch, and how far. */
export type LaneRecord = {
  readonly lane: number;
  /** Raised by every claim: the publisher holding the highest epoch is the only one allowed to move the cursor. */
  readonly epoch: number;
  /** The relay instance that made the last claim. */
  readonly instance: string;
  /** The last outbox seq of this lane acknowledged by Kafka. */
  readonly cursor: number;
  /** ISO time of the last claim, and of the holder's last cursor move (its clock). */
  readonly claimedAt: string;
  readonly activeAt?: string;
  /** The highest epoch whose publisher has stopped and has nothing in flight any more. */
  readonly releasedEpoch?: number;
  /** Why the lane's holder cannot move on (absent while it can), and since when (ISO). */
  readonly lastError?: string;
  readonly failingSince?: string;
};

/** An operator's decision that an outbox entry can never be published: the relay steps over it. */
export type QuarantineRecord = {
  readonly type: 'OutboxEntryQuarantined';
  readonly eventId: string;
  readonly lane: number;
  readonly seq: number;
  readonly reason: string;
  /** Who decided it (user@host of the CLI). */
  readonly by: string;
  /** ISO time of the decision. */
  readonly at: string;
  /** What the entry held, so the record keeps what was not published. */
  readonly entry: {
    readonly streamId: string;
    readonly batchId: string;
    readonly fromVersion: number;
    readonly toVersion: number;
    readonly types: readonly string[];
  };
};

/** What a claim took over: the previous holder, and whether it said it stopped. */
export type Claimed = {
  readonly epoch: number;
  readonly cursor: number;
  readonly previous?: {
    readonly epoch: number;
    readonly instance: string;
    readonly released: boolean;
    /** ISO time of its last cursor move (to within a second) or claim, on its clock. */
    readonly activeAt: string;
  };
};

/**
 * The relay's own records, beside the event store: per lane, an epoch that fences publishers (a claim raises it;
 * a cursor move or check by a lower epoch fails), the cursor that goes with it, and quarantined entries.
 */
export type RelayLedger = {
  /**
   * Takes a lane for `instance`: raises its epoch and returns the new epoch with the lane's cursor (at least
   * `cursorFloor`, the store's cursor from before the relay kept its own).
   */
  claim(lane: number, instance: string, cursorFloor: number): Promise<Claimed>;
  /** Moves the cursor forward if `epoch` still holds the lane; `false` when a newer claim fenced it. */
  advance(lane: number, epoch: number, seq: number): Promise<boolean>;
  /** Whether `epoch` still holds the lane. */
  holds(lane: number, epoch: number): Promise<boolean>;
  /** Says that the publisher of `epoch` stopped with nothing in flight (its successor need not wait for it). */
  release(lane: number, epoch: number): Promise<void>;
  /** Whether the publisher of `epoch` released the lane. */
  released(lane: number, epoch: number): Promise<boolean>;
  /** Records why the lane waits and since when (`undefined`: it moves again), if `epoch` still holds it. */
  recordError(lane: number, epoch: number, failure: { readonly error: string; readonly since: string } | undefined): Promise<void>;
  lanes(): Promise<readonly LaneRecord[]>;
  /** Records a quarantine; `false` when that entry was quarantined before (the first record stands). */
  quarantine(record: QuarantineRecord): Promise<boolean>;
  /** Quarantined entries of a lane after `afterSeq`, in seq order. */
  quarantined(lane: number, afterSeq: number): Promise<readonly QuarantineRecord[]>;
};
