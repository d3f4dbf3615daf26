import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createParquetWriter, lakeColumns } from './createParquetWriter.ts';
import { openDuckDb } from './openDuckDb.ts';
import type { LakeRow } from './toLakeRow.ts';

const row = (offset: bigint, overrides: Partial<LakeRow> = {}): LakeRow => ({
  topic: 'a.events',
  partition: 4,
  offset,
  key: 'b-1',
  eventType: 'waggle.test.Happened',
  schemaId: 7,
  streamId: 'b-1',
  streamVersion: 3,
  ceId: `e-${offset}`,
  ceType: 'Happened',
  ceSource: '/test',
  ceTimeMs: Date.parse('2026-11-20T23:59:59.123Z'),
  correlationId: 'c-1',
  causationId: null,
  traceparent: null,
  payload: '{"x":1}',
  value: Buffer.from([0, 1, 2]),
  decodeError: null,
  kafkaTimestampMs: Date.parse('2026-11-21T00:00:00.456Z'),
  date: '2026-11-20',
  size: 300,
  ...overrides,
});

const writer = await createParquetWriter();
afterAll(() => writer.close());

describe('a Parquet file written from appended rows', () => {
  it('has the lake columns in order, the rows in order, and every value as appended', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'lake-writer-')), 'f.parquet');
    const file = await writer.begin('a.events', 4);
    file.append(row(10n));
    file.append(row(11n, { streamId: 'other-stream', key: null, schemaId: null, streamVersion: null, ceTimeMs: null, value: null }));
    file.append(row(13n, { decodeError: 'bad bytes', payload: null }));
    expect(await file.write(path)).toBeGreaterThan(0);
    expect(() => file.append(row(14n))).toThrow(/ended|writing/);

    const db = await openDuckDb();
    const connection = await db.connect();
    try {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
      const expected = lakeColumns
        .split(',')
        .map((c) => c.trim().split(/\s+/))
        .map(([name, type]) => [name?.replaceAll('"', ''), type === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : type]);
      expect(described.getRowsJS().map((r) => [r[0], r[1]])).toEqual(expected);
      const rows = await connection.runAndReadAll(
        `SELECT topic, "partition", "offset", "key", stream_id, schema_id, stream_version, CAST(ce_time AS VARCHAR),
                CAST(kafka_timestamp AS VARCHAR), payload, hex("value"), decode_error
         FROM read_parquet('${path}')`,
      );
      expect(rows.getRowsJS()).toEqual([
        ['a.events', 4, 10n, 'b-1', 'b-1', 7, 3n, '2026-11-20 23:59:59.123+00', '2026-11-21 00:00:00.456+00', '{"x":1}', '000102', null],
        ['a.events', 4, 11n, null, 'other-stream', null, null, null, '2026-11-21 00:00:00.456+00', '{"x":1}', null, null],
        ['a.events', 4, 13n, 'b-1', 'b-1', 7, 3n, '2026-11-20 23:59:59.123+00', '2026-11-21 00:00:00.456+00', null, '000102', 'bad bytes'],
      ]);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });

  it('drops a discarded file without writing anything', async () => {
    const file = await writer.begin('a.events', 0);
    file.append(row(1n));
    file.discard();
    expect(() => file.append(row(2n))).toThrow(/ended/);
  });
});
