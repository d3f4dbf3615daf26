import { TransientError } from '@waggle/errors';
import type { Db } from 'mongodb';
import { createMongoDocuments } from './mongoDocuments.ts';
import { createMongoOffsets, type MongoOffsets, type ReflectedOffset } from './mongoOffsets.ts';
import type { ReadModelDocuments, Revised } from './readModelDocuments.ts';

/**
 * Where one version of a read model keeps its documents and the offsets they reflect: its collections' names,
 * its documents by kind, its offsets. A store built on it does not know whether its writes go straight to the
 * database or into a rebuild's buffer.
 */
export type VersionStorage = {
  readonly collection: (base: string) => string;
  readonly documents: <D extends object>(base: string, idOf: (doc: D) => string) => ReadModelDocuments<D>;
  readonly offsets: () => MongoOffsets;
};

/** Writes straight to the database, in the collections `collection` names (version 1 keeps the bare names). */
export const directStorage = (db: Db, collection: (base: string) => string = (base) => base): VersionStorage => ({
  collection,
  documents: (base, idOf) => createMongoDocuments(db, collection(base), idOf),
  offsets: () => createMongoOffsets(db, collection('offsets')),
});

/** What a buffer holds and what its last flush wrote. */
export type BufferStats = {
  readonly buffering: boolean;
  /** Documents changed in memory and not written yet. */
  readonly dirty: number;
  /** Documents held in memory, changed or only read. */
  readonly held: number;
  readonly flushes: number;
  readonly written: number;
};

/** One document as the buffer holds it: the revision stored in the database, and the one its saves count on. */
type Held<D> = { doc: D | undefined; stored: number; revision: number; dirty: boolean };

type Part = { readonly flush: () => Promise<void>; readonly dirty: () => number; readonly held: () => number; readonly clear: () => void };

const noneHeld = (): number => 0;

// documents per write while flushing: the store's bulk insert takes them in one command
const flushChunk = 1000;

/**
 * A version's storage with a write-back buffer for a rebuild's catch-up: while `buffering`, documents are read
 * from the database once, folded in memory and saved there (a save still names the revision it read, so two
 * batches of this process racing for one document are told apart as before), and offsets are kept in memory too.
 * `flush` writes every changed document once (new ones with bulk inserts), then the offsets: a crash before the
 * offsets replays from the last flush, which the documents' applied events make harmless. A rebuild that folds
 * many events into each document thus writes it about once per flush instead of once per batch.
 *
 * A flushed document whose stored revision moved meanwhile means another writer (an instance that should not be
 * building this version) wrote it: the flush fails with a retriable error and the buffer is dropped, so the rebuild
 * goes on from the last flush. With `buffering` off every call goes straight to the database.
 */
export const createBufferedStorage = (db: Db, collection: (base: string) => string) => {
  const direct = directStorage(db, collection);
  const documentParts: Part[] = [];
  const offsetParts: Part[] = [];
  const parts = (): Part[] => [...documentParts, ...offsetParts];
  let buffering = false;
  let flushes = 0;
  let written = 0;

  const bufferedDocuments = <D extends object>(base: string, idOf: (doc: D) => string): ReadModelDocuments<D> => {
    const inner = direct.documents<D>(base, idOf);
    const held = new Map<string, Held<D>>();
    let dirtyCount = 0;
    documentParts.push({
      dirty: () => dirtyCount,
      held: () => held.size,
      clear: () => {
        held.clear();
        dirtyCount = 0;
      },
      flush: async () => {
        const dirty = [...held.values()].filter((h): h is Held<D> & { doc: D } => h.dirty && h.doc !== undefined);
        for (let i = 0; i < dirty.length; i += flushChunk) {
          const chunk = dirty.slice(i, i + flushChunk);
          const lost = await inner.save(chunk.map((h): Revised<D> => ({ doc: h.doc, revision: h.stored })));
          if (lost.length > 0)
            throw new TransientError(
              `${collection(base)}: ${lost.length} document(s) (${lost.slice(0, 3).join(', ')}) were written by another writer while this rebuild held them`,
            );
          written += chunk.length;
        }
      },
    });
    return {
      load: async (ids) => {
        if (!buffering) return inner.load(ids);
        const missing = ids.filter((id) => !held.has(id));
        if (missing.length > 0) {
          const stored = await inner.load(missing);
          for (const id of missing) {
            // a concurrent load of the same id may have got there first, and its batch may have saved since
            if (held.has(id)) continue;
            const found = stored.get(id);
            held.set(id, { doc: found?.doc, stored: found?.revision ?? 0, revision: found?.revision ?? 0, dirty: false });
          }
        }
        const loaded = new Map<string, Revised<D>>();
        for (const id of ids) {
          const entry = held.get(id);
          if (entry?.doc !== undefined) loaded.set(id, { doc: entry.doc, revision: entry.revision });
        }
        return loaded;
      },
      save: async (changed) => {
        if (!buffering) return inner.save(changed);
        const lost: string[] = [];
        for (const { doc, revision } of changed) {
          const id = idOf(doc);
          const entry = held.get(id);
          // not held (dropped by a flush since it was read) or saved by another batch since: reload, as with the database
          if (entry === undefined || entry.revision !== revision) {
            lost.push(id);
            continue;
          }
          if (!entry.dirty) dirtyCount += 1;
          held.set(id, { doc, stored: entry.stored, revision: revision + 1, dirty: true });
        }
        return Promise.resolve(lost);
      },
    };
  };

  const bufferedOffsets = (): MongoOffsets => {
    const inner = direct.offsets();
    const pending = new Map<string, ReflectedOffset>();
    const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;
    offsetParts.push({
      dirty: noneHeld,
      held: noneHeld,
      clear: () => pending.clear(),
      // the offsets last: every document they reflect was written before
      flush: async () => {
        for (const offset of pending.values()) await inner.record(offset);
      },
    });
    return {
      record: async (offset) => {
        if (!buffering) return inner.record(offset);
        const key = keyOf(offset.topic, offset.partition);
        if ((pending.get(key)?.offset ?? -1) < offset.offset) pending.set(key, offset);
        return Promise.resolve();
      },
      reflected: async (topic, partition) => {
        const buffered = pending.get(keyOf(topic, partition))?.offset;
        const stored = await inner.reflected(topic, partition);
        return buffered === undefined ? stored : Math.max(buffered, stored ?? -1);
      },
      // what is written: where a restart would go on from (the progress shows what is applied in memory)
      all: inner.all,
    };
  };

  const clear = (): void => {
    for (const part of parts()) part.clear();
  };

  return {
    storage: { collection, documents: bufferedDocuments, offsets: bufferedOffsets } satisfies VersionStorage,
    /** Starts holding writes in memory; call before the rebuild's first batch. */
    buffer: (): void => {
      buffering = true;
    },
    /**
     * Writes what is held (documents, then offsets) and empties the buffer; the caller keeps every batch out while
     * it runs. On failure the buffer is dropped: what was not written is applied again from the stored offsets.
     */
    flush: async (): Promise<void> => {
      try {
        for (const part of documentParts) await part.flush();
        for (const part of offsetParts) await part.flush();
        flushes += 1;
      } finally {
        clear();
      }
    },
    /** Stops buffering (after a last flush): every call goes straight to the database again. */
    writeThrough: (): void => {
      buffering = false;
      clear();
    },
    /** Drops what is held without writing it. */
    discard: clear,
    stats: (): BufferStats => ({
      buffering,
      dirty: documentParts.reduce((sum, p) => sum + p.dirty(), 0),
      held: documentParts.reduce((sum, p) => sum + p.held(), 0),
      flushes,
      written,
    }),
  };
};

export type BufferedStorage = ReturnType<typeof createBufferedStorage>;
