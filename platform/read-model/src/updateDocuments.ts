import { TransientError } from '@waggle/errors';
import type { ReadModelDocuments, Revised } from './readModelDocuments.ts';

// each lost race means another writer moved the document meanwhile; past this, let the consumer back off and retry
const maxRaces = 5;

/**
 * Brings documents with several writers (a customer's list, fed by every partition of the bookings topic) up to
 * date: `update` gets a document as stored (undefined when there is none) and returns it changed, or the same
 * object when nothing changes. Each save is guarded by the revision it read; a document another writer moved
 * meanwhile is reloaded and updated again, so `update` must be idempotent (a set, not a counter).
 */
export const updateDocuments = async <D>(
  documents: ReadModelDocuments<D>,
  ids: readonly string[],
  update: (id: string, doc: D | undefined) => D | undefined,
): Promise<void> => {
  let pending = [...new Set(ids)];
  for (let race = 0; pending.length > 0; race++) {
    if (race > maxRaces)
      throw new TransientError(`documents ${pending.join(', ')} kept changing under this writer (${maxRaces} lost races)`);
    const current = await documents.load(pending);
    const changed: Revised<D>[] = [];
    for (const id of pending) {
      const stored = current.get(id);
      const after = update(id, stored?.doc);
      if (after !== undefined && after !== stored?.doc) changed.push({ doc: after, revision: stored?.revision ?? 0 });
    }
    pending = changed.length === 0 ? [] : await documents.save(changed);
  }
};
