import { stat } from 'node:fs/promises';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { openDuckDb } from './openDuckDb.ts';
import type { LakeRow } from './toLakeRow.ts';

/** The columns of every data file, in order; the payload is text so that event versions never change the table's schema. */
export const lakeColumns = `
  topic VARCHAR, "partition" INTEGER, "offset" BIGINT, "key" VARCHAR, event_type VARCHAR, schema_id INTEGER,
  stream_id VARCHAR, stream_version BIGINT, ce_id VARCHAR, ce_type VARCHAR, ce_source VARCHAR, ce_time TIMESTAMPTZ,
  correlation_id VARCHAR, causation_id VARCHAR, traceparent VARCHAR, payload VARCHAR, "value" BLOB,
  decode_error VARCHAR, kafka_timestamp TIMESTAMPTZ`;

/**
 * What the sink appends per row. Topic and partition are the file's and come in at the `COPY`; instants are epoch
 * milliseconds as doubles (exact up to 2^53) and `stream_id` is null when it equals the key: every value a JS
 * object or BigInt would cost on each row is left to DuckDB's one pass over the file.
 */
const appendedColumns = `
  "offset" BIGINT, "key" VARCHAR, event_type VARCHAR, schema_id INTEGER, stream_id VARCHAR, stream_version DOUBLE,
  ce_id VARCHAR, ce_type VARCHAR, ce_source VARCHAR, ce_time_ms DOUBLE, correlation_id VARCHAR, causation_id VARCHAR,
  traceparent VARCHAR, payload VARCHAR, "value" BLOB, decode_error VARCHAR, kafka_ms DOUBLE`;

/** The appended columns as the file's: in `lakeColumns` order and types. */
const fileSelect = (topic: string, partition: number): string => `
  ${sqlString(topic)} AS topic, CAST(${partition} AS INTEGER) AS "partition", "offset", "key", event_type, schema_id,
  coalesce(stream_id, "key") AS stream_id, CAST(stream_version AS BIGINT) AS stream_version, ce_id, ce_type, ce_source,
  CAST(epoch_ms(CAST(ce_time_ms AS BIGINT)) AS TIMESTAMPTZ) AS ce_time, correlation_id, causation_id, traceparent,
  payload, "value", decode_error, CAST(epoch_ms(CAST(kafka_ms AS BIGINT)) AS TIMESTAMPTZ) AS kafka_timestamp`;

/** What the manifest records as the writer of a file. */
export const writerName = '@duckdb/node-api 1.5.6 (Parquet, ZSTD)';

/** A file in the making: its rows live in DuckDB (not in JS) from the moment they are appended. */
export type FileInProgress = {
  /** Appends one row (synchronously, into DuckDB's column buffers). */
  readonly append: (row: LakeRow) => void;
  /** Writes the rows, in the order appended, to a new Parquet file at `path` (ZSTD); resolves with its size. Ends the file. */
  readonly write: (path: string) => Promise<number>;
  /** Drops the rows; a file being written is left to finish. */
  readonly discard: () => void;
};

export type ParquetWriter = {
  /** Starts a file of one topic-partition. */
  readonly begin: (topic: string, partition: number) => Promise<FileInProgress>;
  readonly close: () => void;
};

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

const text = (appender: DuckDBAppender, value: string | null): void => {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
};

const number = (appender: DuckDBAppender, value: number | null): void => {
  if (value === null) appender.appendNull();
  else appender.appendDouble(value);
};

const appendRow = (appender: DuckDBAppender, row: LakeRow): void => {
  appender.appendBigInt(row.offset);
  text(appender, row.key);
  text(appender, row.eventType);
  if (row.schemaId === null) appender.appendNull();
  else appender.appendInteger(row.schemaId);
  // most events' stream id is their key: stored once, restored by coalesce at the COPY
  text(appender, row.streamId === row.key ? null : row.streamId);
  number(appender, row.streamVersion);
  text(appender, row.ceId);
  text(appender, row.ceType);
  text(appender, row.ceSource);
  number(appender, row.ceTimeMs);
  text(appender, row.correlationId);
  text(appender, row.causationId);
  text(appender, row.traceparent);
  text(appender, row.payload);
  if (row.value === null) appender.appendNull();
  else appender.appendBlob(row.value);
  text(appender, row.decodeError);
  appender.appendDouble(row.kafkaTimestampMs);
  appender.endRow();
};

/**
 * A Parquet writer on an in-process DuckDB: each file's rows go through an Appender into a table of their own as
 * they arrive, then `COPY … TO` writes the file. Nothing of a row is kept in JS, so the sink's heap does not grow
 * with the rows it holds (DuckDB's columns are far denser than JS objects). UTC session time zone, one thread (the
 * sink runs beside Kafka consumers on a small machine) and a memory limit keep it predictable.
 */
export const createParquetWriter = async (options: { memoryLimit?: string; threads?: number } = {}): Promise<ParquetWriter> => {
  const instance = await openDuckDb({
    threads: String(options.threads ?? 1),
    memory_limit: options.memoryLimit ?? '256MB',
  });
  let tables = 0;
  return {
    begin: async (topic, partition) => {
      const connection: DuckDBConnection = await instance.connect();
      const name = `rows_${(tables += 1)}`;
      let appender: DuckDBAppender;
      try {
        await connection.run(`CREATE TABLE ${name} (${appendedColumns})`);
        appender = await connection.createAppender(name);
      } catch (error) {
        connection.closeSync();
        throw error;
      }
      let state: 'open' | 'writing' | 'ended' = 'open';
      const end = async (): Promise<void> => {
        state = 'ended';
        try {
          await connection.run(`DROP TABLE IF EXISTS ${name}`);
        } finally {
          connection.closeSync();
        }
      };
      return {
        append: (row) => {
          if (state !== 'open') throw new Error(`a lake file of ${topic}/${partition} is ${state}; rows cannot be added`);
          appendRow(appender, row);
        },
        write: async (path) => {
          if (state !== 'open') throw new Error(`a lake file of ${topic}/${partition} is ${state}`);
          state = 'writing';
          try {
            appender.closeSync();
            await connection.run(
              `COPY (SELECT ${fileSelect(topic, partition)} FROM ${name}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`,
            );
          } finally {
            await end();
          }
          return (await stat(path)).size;
        },
        discard: () => {
          if (state !== 'open') return;
          appender.clear();
          appender.closeSync();
          // scratch space of this process only: a failed drop costs memory until the next file, never data
          void end().catch(() => undefined);
        },
      };
    },
    close: () => instance.closeSync(),
  };
};
