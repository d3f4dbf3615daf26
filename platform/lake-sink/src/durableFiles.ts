import { randomUUID } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** fsync of a folder: a rename or a new name in it survives a power cut only after this. */
export const syncDir = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/** fsync of a file someone else wrote (DuckDB's COPY does not). */
export const syncFile = async (path: string): Promise<void> => {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

const writeSynced = async (path: string, data: string): Promise<void> => {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/**
 * Creates `path` with `data` only when nothing has that name yet (the local twin of S3's `If-None-Match: *`): the
 * content is written and synced under a temporary name, then hard-linked into place, which fails when the name
 * exists. False when it existed. A crash leaves either no file or the whole file, never a partial one.
 */
export const createExclusive = async (path: string, data: string): Promise<boolean> => {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${randomUUID()}`;
  await writeSynced(temporary, data);
  try {
    await link(temporary, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
  await syncDir(dirname(path));
  return true;
};

/** Moves a complete file to its final name (making the folders) and syncs both folders; false when `from` is gone. */
export const renameDurably = async (from: string, to: string): Promise<boolean> => {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  await syncDir(dirname(to));
  await syncDir(dirname(from));
  return true;
};

/** Deletes a file; a file already gone is fine. */
export const removeIfPresent = async (path: string): Promise<void> => {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
};

export const exists = async (path: string): Promise<boolean> => {
  try {
    await (await open(path, 'r')).close();
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
};
