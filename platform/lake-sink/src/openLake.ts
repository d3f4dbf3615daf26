import { DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { openDuckDb } from './openDuckDb.ts';
import { ValidationError } from '@waggle/errors';
import { lakeColumns } from './createParquetWriter.ts';
import type { LakeStore } from './lakeStore.ts';
import { liveEntries, mapLimited, readWholeManifest, type NamedEntry } from './manifest.ts';

export type QueryResult = { readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };

/** A query a newcomer can run by name; `params` are what it needs, in order. */
export type NamedQuery = { readonly name: string; readonly description: string; readonly params: readonly string[]; readonly sql: string };

export const namedQueries: readonly NamedQuery[] = [
  {
    name: 'types-per-day',
    description: 'events per topic, event type and UTC day',
    params: [],
    sql: 'SELECT date, topic, event_type, count(*) AS events FROM events GROUP BY ALL ORDER BY date, topic, event_type',
  },
  {
    name: 'stream',
    description: "one aggregate's whole history, by stream id (e.g. a booking id)",
    params: ['stream-id'],
    sql: `SELECT stream_version, ce_time, topic, event_type, payload FROM events WHERE stream_id = $1
          ORDER BY stream_version NULLS LAST, ce_time, topic, "partition", "offset"`,
  },
  {
    name: 'correlation',
    description: "a correlation id's events across every topic, in time order",
    params: ['correlation-id'],
    sql: `SELECT ce_time, topic, event_type, stream_id, stream_version, ce_id, causation_id FROM events WHERE correlation_id = $1
          ORDER BY ce_time, topic, "partition", "offset"`,
  },
  {
    name: 'undecodable',
    description: 'records stored without a payload, with the reason',
    params: [],
    sql: 'SELECT topic, "partition", "offset", ce_type, decode_error FROM events WHERE decode_error IS NOT NULL ORDER BY ALL',
  },
];

export type Lake = {
  /** Runs SQL over the `events` view; a statement DuckDB cannot parse or bind throws `ValidationError`. */
  readonly query: (sql: string, params?: readonly string[]) => Promise<QueryResult>;
  /** The local files the view reads (an S3 lake's are cached downloads). */
  readonly files: readonly string[];
  readonly close: () => void;
};

/** Which committed files a query reads: all, or some topics and UTC days (an S3 lake then downloads only those). */
export type LakeSelection = { readonly topics?: RegExp; readonly from?: string; readonly to?: string };

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The live entries of a lake, from its manifest (a file not committed yet is never read), as selected. */
export const committedEntries = async (store: LakeStore, selection: LakeSelection = {}): Promise<NamedEntry[]> => {
  const entries: NamedEntry[] = [];
  for (const { topic, entries: all } of await readWholeManifest(store)) {
    if (selection.topics !== undefined && !selection.topics.test(topic)) continue;
    for (const entry of liveEntries(all)) {
      if (selection.from !== undefined && entry.date < selection.from) continue;
      if (selection.to !== undefined && entry.date > selection.to) continue;
      entries.push(entry);
    }
  }
  return entries;
};

/** Local paths of the selected committed files: in place, or downloaded to the cache (8 at a time), which keeps only live files. */
export const committedFiles = async (store: LakeStore, selection: LakeSelection = {}): Promise<string[]> => {
  const entries = await committedEntries(store, selection);
  const paths = await mapLimited(entries, 8, (entry) => store.localPath(entry.file, entry.bytes));
  if (selection.topics === undefined && selection.from === undefined && selection.to === undefined)
    await store.pruneCache(new Set(entries.map((e) => e.file)));
  return paths;
};

const isBadQuery = (error: unknown): boolean =>
  error instanceof Error && /\b(Parser|Binder|Catalog|Conversion|Invalid Input|Not implemented) Error\b/.test(error.message);

/** Values as a table or JSON shows them: 64-bit integers as numbers when they fit, timestamps in ISO 8601 UTC. */
const toPlain = (value: unknown, isDate: boolean): unknown => {
  if (isDate && value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
};

/**
 * Opens a lake for SQL: an in-process DuckDB (UTC) with an `events` view over the committed files, Hive partition
 * keys `topic` and `date` typed, columns united by name so files of every writer version read together.
 */
export const openLake = async (store: LakeStore, options: { files?: readonly string[]; selection?: LakeSelection } = {}): Promise<Lake> => {
  const files = options.files ?? (await committedFiles(store, options.selection));
  const instance = await openDuckDb();
  const connection: DuckDBConnection = await instance.connect();
  if (files.length === 0) {
    await connection.run(`CREATE TABLE empty_events (${lakeColumns}, "date" DATE)`);
    await connection.run('CREATE VIEW events AS SELECT * FROM empty_events');
  } else {
    await connection.run(
      `CREATE VIEW events AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true)`,
    );
  }
  return {
    files,
    query: async (sql, params = []) => {
      try {
        const reader = await connection.runAndReadAll(sql, [...params]);
        const dates = reader.columnTypes().map((type) => type.typeId === DuckDBTypeId.DATE);
        return {
          columns: reader.columnNames(),
          rows: reader.getRowsJS().map((row) => row.map((value, i) => toPlain(value, dates[i] === true))),
        };
      } catch (error) {
        if (isBadQuery(error)) throw new ValidationError((error as Error).message);
        throw error;
      }
    },
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
};
