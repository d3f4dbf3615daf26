import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { bulkUpsert, onlyDuplicates } from '../service/mongoErrors.ts';
import { workflowOfTask, type CorrelationEntry } from './correlationEntry.ts';

/** An entry as a lookup answers it: `relation` says whether it carries the correlation id asked for or caused one that does. */
export type FoundEntry = CorrelationEntry & { readonly relation: 'correlation' | 'cause' };

export type Lookup = {
  /** The correlation ids followed (a workflow's records may carry several: an operator action starts its own). */
  readonly correlationIds: readonly string[];
  /** Oldest first (by `time`, then topic, partition, offset). */
  readonly records: readonly FoundEntry[];
  /** More records matched than `limit`: the oldest `limit` are answered. */
  readonly truncated: boolean;
};

// One collection per UTC day of the records' own timestamps, so retention drops whole collections (FerretDB has no
// TTL index, and its deletes and any query but one by `_id` scan the collection). Every read is by `_id`:
//   r:<topic>/<partition>/<offset>  the entry (a redelivered record is the same `_id`: written once)
//   e:<ce_id>                       → the entry's `_id`, to find the record another one names as its cause
//   c:<correlationId>, w:<workflowId>  → the `_id`s of the entries carrying it (a set: redelivery adds nothing)
type EntryDoc = CorrelationEntry & { readonly _id: string };
type RefDoc = { readonly _id: string; readonly record: string };
type SetDoc = { readonly _id: string; readonly records: string[] };
type Doc = EntryDoc | RefDoc | SetDoc;

const prefix = 'correlations_';
const dayMs = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
const idOf = (entry: Pick<CorrelationEntry, 'topic' | 'partition' | 'offset'>): string =>
  `r:${entry.topic}/${entry.partition}/${entry.offset}`;
const maxCauseHops = 3;
const maxCorrelations = 20;

const toEntry = ({ _id, ...entry }: EntryDoc, relation: FoundEntry['relation']): FoundEntry => ({ ...entry, relation });

const byTime = (a: CorrelationEntry, b: CorrelationEntry): number =>
  a.time - b.time || a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));

/** What a write asked of Mongo: commands sent, documents inserted, set upserts (each a read and a write on FerretDB). */
export type WriteCost = { readonly commands: number; readonly documents: number; readonly setUpdates: number };

/**
 * The correlation index's storage: entries written per batch (one insert and one bulk of set updates per day the batch
 * touches, both unordered and idempotent), looked up by correlation id, workflow id or task id, and retention by
 * dropping the collections of days older than `retentionDays`.
 */
export const createCorrelationStore = (db: Db, options: { readonly retentionDays: number; readonly now?: () => number }) => {
  const now = options.now ?? Date.now;
  const collection = (day: string): Collection<Doc> => db.collection<Doc>(`${prefix}${day}`);
  const oldestKept = (): string => dayOf(now() - options.retentionDays * dayMs);

  // a lookup asks several times (each hop of causes): the list of days is read at most every 5 s
  let listed: { at: number; days: Promise<string[]> } | undefined;
  const days = (): Promise<string[]> => {
    if (listed === undefined || now() - listed.at > 5_000) {
      const reading = listDays();
      reading.catch(() => (listed = undefined));
      listed = { at: now(), days: reading };
    }
    return listed.days;
  };
  const listDays = async (): Promise<string[]> =>
    (await db.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .filter((name) => name.startsWith(prefix) && /^\d{8}$/.test(name.slice(prefix.length)))
      .map((name) => name.slice(prefix.length))
      .filter((day) => day >= oldestKept())
      .sort()
      .reverse();

  const writeDay = async (day: string, entries: readonly CorrelationEntry[]): Promise<WriteCost> => {
    const docs: Doc[] = [];
    const sets = new Map<string, string[]>();
    const addTo = (setId: string, id: string): void => {
      const ids = sets.get(setId);
      if (ids === undefined) sets.set(setId, [id]);
      else if (!ids.includes(id)) ids.push(id);
    };
    for (const entry of entries) {
      const id = idOf(entry);
      docs.push({ _id: id, ...entry });
      if (entry.eventId !== undefined) docs.push({ _id: `e:${entry.eventId}`, record: id });
      addTo(`c:${entry.correlationId}`, id);
      if (entry.workflowId !== undefined) addTo(`w:${entry.workflowId}`, id);
    }
    const target = collection(day);
    try {
      await target.insertMany(docs, { ordered: false });
    } catch (error) {
      // a record seen before (a redelivery after a crash), or an event published twice: already there
      if (!onlyDuplicates(error)) throw error;
    }
    const updates: AnyBulkWriteOperation<Doc>[] = [...sets].map(([setId, ids]) => ({
      updateOne: {
        filter: { _id: setId },
        update: { $addToSet: { records: { $each: ids } } } as never,
        upsert: true,
      },
    }));
    await bulkUpsert(target, updates);
    return { commands: updates.length === 0 ? 1 : 2, documents: docs.length, setUpdates: updates.length };
  };

  const read = async (day: string, ids: readonly string[]): Promise<Doc[]> =>
    ids.length === 0
      ? []
      : collection(day)
          .find({ _id: { $in: [...ids] } })
          .toArray();

  /** The entries a set names, in every kept day. */
  const readSets = async (setIds: readonly string[]): Promise<EntryDoc[]> => {
    const perDay = await Promise.all(
      (await days()).map(async (day) => {
        const sets = (await read(day, setIds)) as SetDoc[];
        return (await read(day, [...new Set(sets.flatMap((set) => set.records ?? []))])) as EntryDoc[];
      }),
    );
    return perDay.flat();
  };

  /** The records the given event ids name (the `ce_id` of each), in every kept day. */
  const readEvents = async (eventIds: readonly string[]): Promise<EntryDoc[]> => {
    const perDay = await Promise.all(
      (await days()).map(async (day) => {
        const refs = (await read(
          day,
          eventIds.map((id) => `e:${id}`),
        )) as RefDoc[];
        return (await read(
          day,
          refs.map((ref) => ref.record),
        )) as EntryDoc[];
      }),
    );
    return perDay.flat();
  };

  const answer = (found: Map<string, FoundEntry>, correlationIds: readonly string[], limit: number): Lookup => {
    const records = [...found.values()].sort(byTime);
    return { correlationIds, records: records.slice(0, limit), truncated: records.length > limit };
  };

  /** Entries carrying one of the correlation ids and, with `causes`, the records that caused them from outside (up to 3 hops). */
  const collect = async (correlationIds: readonly string[], causes: boolean): Promise<Map<string, FoundEntry>> => {
    const found = new Map<string, FoundEntry>();
    for (const doc of await readSets(correlationIds.map((id) => `c:${id}`))) found.set(doc._id, toEntry(doc, 'correlation'));
    for (let hop = 0; causes && hop < maxCauseHops; hop += 1) {
      const known = new Set([...found.values()].flatMap((entry) => (entry.eventId === undefined ? [] : [entry.eventId])));
      const missing = [
        ...new Set([...found.values()].flatMap((e) => (e.causationId === undefined || known.has(e.causationId) ? [] : [e.causationId]))),
      ];
      const more = (await readEvents(missing)).filter((doc) => !found.has(doc._id));
      if (more.length === 0) break;
      for (const doc of more) found.set(doc._id, toEntry(doc, 'cause'));
    }
    return found;
  };

  return {
    /** Writes a batch's entries; entries of days past retention are left out. Idempotent: a batch written twice changes nothing. */
    write: async (entries: readonly CorrelationEntry[]): Promise<WriteCost> => {
      const oldest = oldestKept();
      const byDay = new Map<string, CorrelationEntry[]>();
      for (const entry of entries) {
        const day = dayOf(entry.timestamp);
        if (day < oldest) continue;
        byDay.set(day, [...(byDay.get(day) ?? []), entry]);
      }
      const cost = { commands: 0, documents: 0, setUpdates: 0 };
      for (const [day, dayEntries] of byDay) {
        const spent = await writeDay(day, dayEntries);
        cost.commands += spent.commands;
        cost.documents += spent.documents;
        cost.setUpdates += spent.setUpdates;
      }
      return cost;
    },

    byCorrelation: async (correlationId: string, options: { causes: boolean; limit: number }): Promise<Lookup> =>
      answer(await collect([correlationId], options.causes), [correlationId], options.limit),

    /** Every correlation id the execution's own records carry, followed. */
    byWorkflow: async (workflowId: string, options: { causes: boolean; limit: number }): Promise<Lookup> => {
      const own = await readSets([`w:${workflowId}`]);
      const correlationIds = [...new Set(own.map((doc) => doc.correlationId))].sort().slice(0, maxCorrelations);
      const found = await collect(correlationIds, options.causes);
      for (const doc of own) if (!found.has(doc._id)) found.set(doc._id, toEntry(doc, 'correlation'));
      return answer(found, correlationIds, options.limit);
    },

    /** The task's command, cancellation and result records. */
    byTask: async (taskId: string, limit: number): Promise<Lookup | undefined> => {
      const workflowId = workflowOfTask(taskId);
      if (workflowId === undefined) return undefined;
      const found = new Map(
        (await readSets([`w:${workflowId}`])).filter((doc) => doc.taskId === taskId).map((doc) => [doc._id, toEntry(doc, 'correlation')]),
      );
      return answer(found, [...new Set([...found.values()].map((e) => e.correlationId))], limit);
    },

    /** One record's entry. */
    byOffset: async (topic: string, partition: number, offset: string): Promise<CorrelationEntry | undefined> => {
      for (const day of await days()) {
        const [doc] = (await read(day, [idOf({ topic, partition, offset })])) as EntryDoc[];
        if (doc !== undefined) return toEntry(doc, 'correlation');
      }
      return undefined;
    },

    /** Drops the collections of days past retention; returns their names. */
    prune: async (): Promise<string[]> => {
      const oldest = oldestKept();
      const expired = (await db.listCollections({}, { nameOnly: true }).toArray())
        .map((c) => c.name)
        .filter((name) => name.startsWith(prefix) && /^\d{8}$/.test(name.slice(prefix.length)) && name.slice(prefix.length) < oldest);
      for (const name of expired) await db.dropCollection(name);
      return expired;
    },
  };
};

export type CorrelationStore = ReturnType<typeof createCorrelationStore>;
