import { TransientError } from '@waggle/errors';
import type { ReadModelDocuments, Revised } from '@waggle/read-model';

// each lost race means another writer moved the document meanwhile; past this, let the consumer back off and retry
const maxRaces = 5;

/**
 * `updateDocuments` that also resolves with the documents as they now are (saved, or stored and left alone), for
 * the documents derived from them. `merge` gets a document as stored (undefined when there is none) and returns it
 * changed, or the same object when nothing changes; a save lost to another writer reloads and merges again, so
 * `merge` must be idempotent and commutative (copies replaced by newer ones, never counters).
 */
export const mergeIntoDocuments = async <D>(
  documents: ReadModelDocuments<D>,
  ids: readonly string[],
  merge: (id: string, doc: D | undefined) => D | undefined,
): Promise<Map<string, D>> => {
  let pending = [...new Set(ids)];
  const final = new Map<string, D>();
  for (let race = 0; pending.length > 0; race++) {
    if (race > maxRaces)
      throw new TransientError(`documents ${pending.join(', ')} kept changing under this writer (${maxRaces} lost races)`);
    const current = await documents.load(pending);
    const changed: Revised<D>[] = [];
    for (const id of pending) {
      const stored = current.get(id);
      const after = merge(id, stored?.doc);
      if (after === undefined) continue;
      final.set(id, after);
      if (after !== stored?.doc) changed.push({ doc: after, revision: stored?.revision ?? 0 });
    }
    pending = changed.length === 0 ? [] : await documents.save(changed);
  }
  return final;
};
