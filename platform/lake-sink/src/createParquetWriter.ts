import { stat } from 'node:fs/promises';
import { timestampTZValue, type DuckDBAppender } from '@duckdb/node-api';
import { openDuckDb } from './openDuckDb.ts';
import type { LakeRow } from './toLakeRow.ts';

/** The columns of every data file, in order; the payload is text so that event versions never change the table's schema. */
export const lakeColumns = `
  topic VARCHAR, "partition" INTEGER, "offset" BIGINT, "key" VARCHAR, event_type VARCHAR, schema_id INTEGER,
  stream_id VARCHAR, stream_version BIGINT, ce_id VARCHAR, ce_type VARCHAR, ce_source VARCHAR, ce_time TIMESTAMPTZ,
  correlation_id VARCHAR, causation_id VARCHAR, traceparent VARCHAR, payload VARCHAR, "value" BLOB,
  decode_error VARCHAR, kafka_timestamp TIMESTAMPTZ`;

/** What the manifest records as the writer of a file. */
export const writerName = '@duckdb/node-api 1.5.6 (Parquet, ZSTD)';

export type ParquetWriter = {
  /** Writes the rows, in the order given, to a new Parquet file at `path` (ZSTD); resolves with its size. */
  readonly write: (rows: readonly LakeRow[], path: string) => Promise<number>;
  readonly close: () => void;
};

const micros = (ms: number) => timestampTZValue(BigInt(ms) * 1000n);

const text = (appender: DuckDBAppender, value: string | null): void => {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
};

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * A Parquet writer on an in-process DuckDB: rows go through an Appender into a table of their own, then `COPY … TO`
 * writes the file. UTC session time zone, one thread (the sink runs beside Kafka consumers on a small machine) and a
 * memory limit keep it predictable.
 */
export const createParquetWriter = async (options: { memoryLimit?: string; threads?: number } = {}): Promise<ParquetWriter> => {
  const instance = await openDuckDb({ threads: String(options.threads ?? 1), memory_limit: options.memoryLimit ?? '512MB' });
  let table = 0;
  return {
    write: async (rows, path) => {
      const connection = await instance.connect();
      const name = `rows_${(table += 1)}`;
      try {
        await connection.run(`CREATE TABLE ${name} (${lakeColumns})`);
        const appender = await connection.createAppender(name);
        for (const row of rows) {
          appender.appendVarchar(row.topic);
          appender.appendInteger(row.partition);
          appender.appendBigInt(row.offset);
          text(appender, row.key);
          text(appender, row.eventType);
          if (row.schemaId === null) appender.appendNull();
          else appender.appendInteger(row.schemaId);
          text(appender, row.streamId);
          if (row.streamVersion === null) appender.appendNull();
          else appender.appendBigInt(row.streamVersion);
          text(appender, row.ceId);
          text(appender, row.ceType);
          text(appender, row.ceSource);
          if (row.ceTimeMs === null) appender.appendNull();
          else appender.appendTimestampTZ(micros(row.ceTimeMs));
          text(appender, row.correlationId);
          text(appender, row.causationId);
          text(appender, row.traceparent);
          text(appender, row.payload);
          if (row.value === null) appender.appendNull();
          else appender.appendBlob(row.value);
          text(appender, row.decodeError);
          appender.appendTimestampTZ(micros(row.kafkaTimestampMs));
          appender.endRow();
        }
        appender.closeSync();
        await connection.run(`COPY ${name} TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
        await connection.run(`DROP TABLE ${name}`);
      } finally {
        connection.closeSync();
      }
      return (await stat(path)).size;
    },
    close: () => instance.closeSync(),
  };
};
