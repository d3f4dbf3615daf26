import type { Db } from 'mongodb';
import { compareCollections, type VerificationReport } from './mongoCompareVersions.ts';
import type { ReflectedOffset } from './mongoOffsets.ts';
import { partitionKey, type Ceilings, type VersionGate } from './versionGate.ts';

/** A version as the switch needs it: its gate, what it reflects and the names of its document collections. */
export type ComparedVersion = {
  readonly version: number;
  readonly gate: VersionGate;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  /** Base name and name in the database of each document collection. */
  readonly collections: readonly { readonly name: string; readonly actual: string }[];
  /**
   * The last offset its consumer group handled per `topic:partition` (committed - 1): past a record it dead-lettered,
   * which its documents' offsets never reflect, so that a partition ending in one still counts as reached.
   */
  readonly handled?: () => Promise<ReadonlyMap<string, bigint>>;
};

const holdRounds = 5;
const reachTimeoutMs = 30_000;
const pollMs = 100;

const toMap = (offsets: readonly ReflectedOffset[]): Map<string, bigint> =>
  new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), BigInt(o.offset)]));

const reached = (offsets: ReadonlyMap<string, bigint>, handled: ReadonlyMap<string, bigint>, ceilings: Ceilings): boolean =>
  [...ceilings].every(([key, ceiling]) => ceiling < 0n || (offsets.get(key) ?? -1n) >= ceiling || (handled.get(key) ?? -1n) >= ceiling);

const noneHandled = (): Promise<ReadonlyMap<string, bigint>> => Promise.resolve(new Map());

const sameAt = (a: ReadonlyMap<string, bigint>, b: ReadonlyMap<string, bigint>, keys: Iterable<string>): boolean =>
  [...keys].every((key) => (a.get(key) ?? -1n) === (b.get(key) ?? -1n));

/**
 * Holds both versions at the same offsets and compares them there. The hold starts at the topics' end offsets
 * (`ends`, the last offset of each partition) and is raised to whatever either version got past it while the
 * hold came into force, until both reflect exactly the same offsets (a few rounds at most). Only consumers in this
 * process are held: with several instances, a version's partitions held elsewhere may move on, which the report
 * shows as `sameOffsets: false`.
 */
export const verifyAtSameOffsets = async (
  db: Db,
  serving: ComparedVersion,
  candidate: ComparedVersion,
  ends: Ceilings,
): Promise<VerificationReport> => {
  let ceilings: Ceilings = ends;
  let a = new Map<string, bigint>();
  let b = new Map<string, bigint>();
  let same = false;
  let timedOut = false;
  const handledBy = (version: ComparedVersion) => (version.handled ?? noneHandled)();
  try {
    for (let round = 0; round < holdRounds && !same; round++) {
      serving.gate.hold(ceilings);
      candidate.gate.hold(ceilings);
      const deadline = Date.now() + reachTimeoutMs;
      await Promise.all([serving.gate.settled(), candidate.gate.settled()]);
      for (;;) {
        [a, b] = [toMap(await serving.offsets()), toMap(await candidate.offsets())];
        // the consumers' committed offsets are read only when the documents' offsets fall short (a dead letter)
        const done =
          (reached(a, new Map(), ceilings) || reached(a, await handledBy(serving), ceilings)) &&
          (reached(b, new Map(), ceilings) || reached(b, await handledBy(candidate), ceilings));
        if (done || Date.now() > deadline) {
          timedOut ||= !done;
          await Promise.all([serving.gate.settled(), candidate.gate.settled()]);
          [a, b] = [toMap(await serving.offsets()), toMap(await candidate.offsets())];
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      same = sameAt(a, b, new Set([...ceilings.keys(), ...a.keys(), ...b.keys()]));
      if (!same) {
        const raised = new Map(ceilings);
        for (const key of new Set([...a.keys(), ...b.keys()])) {
          const top = [a.get(key), b.get(key), ceilings.get(key)].reduce<bigint>((max, x) => (x !== undefined && x > max ? x : max), -1n);
          raised.set(key, top);
        }
        ceilings = raised;
      }
    }
    const collections = await compareCollections(
      db,
      serving.collections.map((c) => ({
        name: c.name,
        serving: c.actual,
        candidate: candidate.collections.find((d) => d.name === c.name)?.actual ?? c.actual,
      })),
    );
    // read again after comparing: a consumer elsewhere that moved meanwhile makes the comparison not one of equal offsets
    const [after, afterCandidate] = [toMap(await serving.offsets()), toMap(await candidate.offsets())];
    const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
    same = same && sameAt(a, after, keys) && sameAt(b, afterCandidate, keys);
    return {
      comparedAt: new Date().toISOString(),
      servingVersion: serving.version,
      candidateVersion: candidate.version,
      sameOffsets: same,
      timedOut,
      offsets: keys.map((key) => {
        const [topic = '', partition = '0'] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
        const candidateOffset = b.get(key);
        return {
          topic,
          partition: Number(partition),
          offset: Number(a.get(key) ?? -1n),
          candidate: candidateOffset === undefined ? null : Number(candidateOffset),
        };
      }),
      equal: same && collections.every((c) => c.differingParts === 0),
      collections,
    };
  } finally {
    serving.gate.release();
    candidate.gate.release();
  }
};
