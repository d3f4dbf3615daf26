import { join } from 'node:path';
import { DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { openDuckDb } from './openDuckDb.ts';
import { ValidationError } from '@waggle/errors';
import { lakeColumns } from './createParquetWriter.ts';
import { lakeLayout } from './lakeLayout.ts';
import { listManifestPartitions, liveEntries, readPartitionManifest } from './manifest.ts';

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
  readonly files: readonly string[];
  readonly close: () => void;
};

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The committed data files of a lake (absolute paths), from its manifest: a file not committed yet is never read. */
export const committedFiles = async (lakeDir: string): Promise<string[]> => {
  const layout = lakeLayout(lakeDir);
  const files: string[] = [];
  for (const { topic, partition } of await listManifestPartitions(layout)) {
    for (const entry of liveEntries(await readPartitionManifest(layout, topic, partition))) files.push(join(lakeDir, entry.file));
  }
  return files;
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
export const openLake = async (lakeDir: string, options: { files?: readonly string[] } = {}): Promise<Lake> => {
  const files = options.files ?? (await committedFiles(lakeDir));
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
