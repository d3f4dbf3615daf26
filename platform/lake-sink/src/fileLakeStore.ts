import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { createExclusive, exists, removeIfPresent, renameDurably, syncDir, syncFile } from './durableFiles.ts';
import type { LakeStore, StoredObject } from './lakeStore.ts';

const toKey = (root: string, path: string): string => relative(root, path).split(sep).join('/');

/**
 * A lake in a local folder. A new file is written in place under its staging key and synced with its folder; an
 * exclusive create is a hard link (fails when the name exists); a move is a rename, synced on both sides.
 */
export const createFileLakeStore = (root: string): LakeStore => {
  const pathOf = (key: string): string => join(root, ...key.split('/'));
  return {
    url: root,
    putFile: async (key, write) => {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      try {
        await write(path);
        await syncFile(path);
        await syncDir(dirname(path));
      } catch (error) {
        await removeIfPresent(path).catch(() => undefined);
        throw error;
      }
      return (await stat(path)).size;
    },
    createExclusive: (key, text) => createExclusive(pathOf(key), text),
    readText: async (key) => {
      try {
        return await readFile(pathOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    list: async (prefix) => {
      // the folder the prefix is in, then the keys that start with it
      const dir = pathOf(prefix.slice(0, prefix.lastIndexOf('/') + 1).replace(/\/$/, ''));
      const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      const found: StoredObject[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        const info = await stat(path).catch(() => undefined);
        // gone between the listing and the stat: a rename or a delete of someone else's
        const key = toKey(root, path);
        if (info !== undefined && key.startsWith(prefix)) found.push({ key, size: info.size, modifiedMs: info.mtimeMs });
      }
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    exists: (key) => exists(pathOf(key)),
    move: (from, to) => renameDurably(pathOf(from), pathOf(to)),
    remove: (key) => removeIfPresent(pathOf(key)),
    localPath: (key) => Promise.resolve(pathOf(key)),
    pruneCache: () => Promise.resolve(0),
    close: () => undefined,
  };
};
