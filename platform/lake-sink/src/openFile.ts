import type { FileInProgress } from './createParquetWriter.ts';
import type { LakeRow } from './toLakeRow.ts';

/** The file a partition's rows go into now; its rows are in DuckDB, only what the manifest needs is kept here. */
export type OpenFile = {
  readonly data: FileInProgress;
  readonly date: string;
  readonly openedAt: number;
  readonly firstOffset: bigint;
  lastOffset: bigint;
  /** Row count; `rows.length` so that `decideRotation` reads it. */
  readonly rows: { length: number };
  bytes: number;
  undecodable: number;
  minCeTime: number | undefined;
  maxCeTime: number | undefined;
  readonly schemaIds: Set<number>;
};

export const openFile = (data: FileInProgress, row: LakeRow): OpenFile => ({
  data,
  date: row.date,
  openedAt: Date.now(),
  firstOffset: row.offset,
  lastOffset: row.offset,
  rows: { length: 0 },
  bytes: 0,
  undecodable: 0,
  minCeTime: undefined,
  maxCeTime: undefined,
  schemaIds: new Set(),
});

export const addRow = (file: OpenFile, row: LakeRow): void => {
  file.data.append(row);
  file.rows.length += 1;
  file.lastOffset = row.offset;
  file.bytes += row.size;
  if (row.decodeError !== null) file.undecodable += 1;
  if (row.schemaId !== null) file.schemaIds.add(row.schemaId);
  if (row.ceTimeMs !== null) {
    if (file.minCeTime === undefined || row.ceTimeMs < file.minCeTime) file.minCeTime = row.ceTimeMs;
    if (file.maxCeTime === undefined || row.ceTimeMs > file.maxCeTime) file.maxCeTime = row.ceTimeMs;
  }
};
