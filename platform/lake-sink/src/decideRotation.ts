/** When an open file is closed and committed: whichever limit it reaches first. */
export type Rotation = {
  readonly maxRecords: number;
  /** Approximate bytes of the rows held (payload and value bytes plus a fixed cost per row). */
  readonly maxBytes: number;
  /** How long a file stays open, by the wall clock: an idle partition's rows are committed after this too. */
  readonly maxAgeMs: number;
  /**
   * Rows held over all partitions, in the same approximate bytes: past it the file in hand is committed early, so
   * memory stays bounded however many partitions a backlog spans (default 32 MiB).
   */
  readonly maxBufferedBytes?: number;
};

/** Whether an open file is kept open or committed now, and why. */
export const decideRotation = (
  file: { readonly rows: { readonly length: number }; readonly bytes: number; readonly openedAt: number },
  rotation: Rotation,
  nowMs: number,
): 'keep' | 'records' | 'bytes' | 'age' => {
  if (file.rows.length >= rotation.maxRecords) return 'records';
  if (file.bytes >= rotation.maxBytes) return 'bytes';
  if (nowMs - file.openedAt >= rotation.maxAgeMs) return 'age';
  return 'keep';
};
