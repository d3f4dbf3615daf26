import { MongoBulkWriteError, MongoServerError, type Collection, type WriteError } from 'mongodb';

/** An outbox entry, keyed `<lane>:<seq>`: a batch's JSON body, or a void that fills a hole left by older writers. */
export type OutboxDoc = { _id: string; body: string } | { _id: string; void: true };

/** Builds a claim's outbox entry for the seq it is being tried at, carrying `vouch` (seqs seen committed). */
export type OutboxEntry = (seq: number, vouch: readonly number[]) => OutboxDoc;

export const outboxKey = (lane: number, seq: number): string => `${lane}:${seq}`;

type Claim = { entry: OutboxEntry; resolve: (seq: number) => void; reject: (error: unknown) => void };

/**
 * What an ordered insert of a lane's entries did: the first `inserted` went in, and why the next one did not: its
 * seq was taken, the server refused it, or it was not tried (an earlier entry of the insert stopped it, or the
 * answer was lost and it is not there).
 */
type Inserted = { inserted: number; stop?: 'taken' | 'notTried' | MongoServerError };

/** One lane's entries, consecutive seqs in order, waiting to go out in the next insert. */
type Run = { docs: OutboxDoc[]; resolve: (inserted: Inserted) => void; reject: (error: unknown) => void };

/** Most claims of one lane sent in one insert. */
const maxGroup = 256;
/** Most vouchers one outbox entry carries; seqs beyond it are simply checked by the relay. */
const maxVouchers = 2048;

const sameEntry = (found: OutboxDoc | undefined, doc: OutboxDoc): boolean =>
  found !== undefined && 'body' in found && 'body' in doc && found.body === doc.body;

const firstWriteError = (error: MongoBulkWriteError): WriteError | undefined =>
  Array.isArray(error.writeErrors) ? (error.writeErrors as WriteError[])[0] : (error.writeErrors as WriteError | undefined);

/**
 * Claims of outbox seqs: concurrent claims of this process on a lane take consecutive seqs, and the entries of all
 * lanes waiting meanwhile go out in one ORDERED insert, each lane's entries together and in seq order (one insert,
 * not one per lane: FerretDB's SQLite commits each insert on its own). An ordered insert stops at its first
 * refused entry, so what went in of each lane is a prefix and a refused entry never leaves a hole that a later
 * claim could fill (which would put a later append of a stream before an earlier one on Kafka); the entries it
 * stopped are claimed again. A seq another process took first is tried again at the new head. A lane's seqs thus
 * stay a gapless prefix 1..n that the relay walks by `_id`.
 */
export const createLaneClaims = (outbox: Collection<OutboxDoc>) => {
  const nextSeqGuess = new Map<number, number>();
  const queues = new Map<number, Claim[]>();
  const claiming = new Set<number>();
  /** Per lane: seqs of this process's appends seen committed, to vouch for in its next outbox entry there. */
  const unvouched = new Map<number, number[]>();

  const vouchLater = (lane: number, seqs: readonly number[]): void => {
    const list = unvouched.get(lane) ?? [];
    list.push(...seqs);
    unvouched.set(lane, list.length > maxVouchers ? list.slice(-maxVouchers) : list);
  };

  const seqTaken = async (lane: number, seq: number): Promise<boolean> =>
    (await outbox.findOne({ _id: outboxKey(lane, seq) }, { projection: { _id: 1 } })) !== null;

  /** The last taken seq of a lane, knowing `known` is taken (0 = none): exponential probe, then binary search. */
  const findHead = async (lane: number, known: number): Promise<number> => {
    let low = known;
    let step = 1;
    while (await seqTaken(lane, low + step)) {
      low += step;
      step *= 2;
    }
    let high = low + step; // free
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await seqTaken(lane, mid)) low = mid;
      else high = mid;
    }
    return low;
  };

  const insertInOrder = async (docs: OutboxDoc[]): Promise<Inserted> => {
    try {
      if (docs.length === 1) await outbox.insertOne(docs[0]!);
      else await outbox.insertMany(docs, { ordered: true });
      return { inserted: docs.length };
    } catch (error) {
      if (error instanceof MongoBulkWriteError) {
        const first = firstWriteError(error);
        if (first !== undefined && error.result.insertedCount === first.index) {
          return {
            inserted: first.index,
            stop:
              first.code === 11000
                ? 'taken'
                : new MongoServerError({ message: first.errmsg ?? 'write error', errmsg: first.errmsg, code: first.code }),
          };
        }
      } else if (docs.length === 1 && error instanceof MongoServerError) {
        return { inserted: 0, stop: error.code === 11000 ? 'taken' : error };
      }
      // the answer was lost (a dropped connection): the entries say themselves which went in, a prefix of them
      const found = new Map((await outbox.find({ _id: { $in: docs.map((d) => d._id) } }).toArray()).map((d) => [d._id, d] as const));
      let inserted = 0;
      while (inserted < docs.length && sameEntry(found.get(docs[inserted]!._id), docs[inserted]!)) inserted++;
      if (inserted === docs.length) return { inserted };
      return { inserted, stop: found.has(docs[inserted]!._id) ? 'taken' : 'notTried' };
    }
  };

  const runs: Run[] = [];
  let inserting = false;

  /** Sends the waiting runs as one ordered insert and tells each run what became of its own entries. */
  const insertRuns = async (): Promise<void> => {
    inserting = true;
    try {
      while (runs.length > 0) {
        const group = runs.splice(0, runs.length);
        try {
          const { inserted, stop } = await insertInOrder(group.flatMap((r) => r.docs));
          let offset = 0;
          for (const run of group) {
            const end = offset + run.docs.length;
            if (inserted >= end) run.resolve({ inserted: run.docs.length });
            else if (inserted >= offset)
              run.resolve(stop === undefined ? { inserted: inserted - offset } : { inserted: inserted - offset, stop });
            else run.resolve({ inserted: 0, stop: 'notTried' });
            offset = end;
          }
        } catch (error) {
          for (const run of group) run.reject(error);
        }
      }
    } finally {
      inserting = false;
    }
  };

  const insertRun = (docs: OutboxDoc[]): Promise<Inserted> =>
    new Promise((resolve, reject) => {
      runs.push({ docs, resolve, reject });
      if (!inserting) void insertRuns();
    });

  const drain = async (lane: number, queue: Claim[]): Promise<void> => {
    claiming.add(lane);
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, maxGroup);
        let vouch: readonly number[] = [];
        try {
          const base = nextSeqGuess.get(lane) ?? (await findHead(lane, 0)) + 1;
          vouch = unvouched.get(lane) ?? [];
          unvouched.delete(lane);
          const { inserted, stop } = await insertRun(group.map((c, i) => c.entry(base + i, i === 0 ? vouch : [])));
          if (inserted === 0) vouchLater(lane, vouch);
          vouch = [];
          group.slice(0, inserted).forEach((c, i) => c.resolve(base + i));
          let retry = group.slice(inserted);
          if (stop instanceof MongoServerError) {
            // this entry alone is refused; the seq stays free for the next claim
            retry[0]!.reject(stop);
            retry = retry.slice(1);
            nextSeqGuess.set(lane, base + inserted);
          } else if (stop === 'taken') {
            // another process took that seq: find the new head before claiming again
            nextSeqGuess.set(lane, (await findHead(lane, base + inserted)) + 1);
          } else {
            nextSeqGuess.set(lane, base + inserted);
          }
          queue.unshift(...retry);
        } catch (error) {
          nextSeqGuess.delete(lane);
          vouchLater(lane, vouch);
          for (const c of group) c.reject(error);
        }
      }
    } finally {
      claiming.delete(lane);
    }
  };

  return {
    /** Inserts `entry` at the lane's next free seq and resolves with that seq. */
    claim: (lane: number, entry: OutboxEntry): Promise<number> =>
      new Promise((resolve, reject) => {
        const queue = queues.get(lane) ?? [];
        queues.set(lane, queue);
        queue.push({ entry, resolve, reject });
        if (!claiming.has(lane)) void drain(lane, queue);
      }),
    /** Remembers seqs of this lane seen committed, to vouch for them in the next entry claimed there. */
    vouchLater,
    seqTaken,
    findHead,
  };
};
