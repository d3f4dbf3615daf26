import { TransientError, VersionGapError } from '@waggle/errors';
import { isApplied, isSkipped, markApplied, type AppliedEvents, type ProjectedEvent, type SkippedEvent } from './projectedEvent.ts';
import type { ReadModelDocuments, Revised } from './readModelDocuments.ts';

/** How a read model folds events into one kind of document. */
export type DocumentFold<E, D> = {
  /** The document an event belongs to: its stream's id, since stream versions are counted per stream. */
  readonly idOf: (event: E) => string;
  readonly initial: (id: string) => D;
  /** Pure; returns the same document for an event it already reflects. */
  readonly evolve: (doc: D, event: ProjectedEvent<E>) => D;
};

// each lost race means another writer moved the document meanwhile; past this, let the consumer back off and retry
const maxRaces = 5;

/** Refuses an event whose stream version is past the next one: an earlier event is missing or still to come. */
const checkNoGap = <D extends AppliedEvents>(id: string, doc: D, event: ProjectedEvent<unknown> | SkippedEvent): D => {
  if (event.streamVersion !== undefined && event.streamVersion > doc.version + 1)
    throw new VersionGapError(
      `stream ${id}: event ${event.eventId} has version ${event.streamVersion} but version ${doc.version} is the last applied; ` +
        `it waits for version ${doc.version + 1}`,
      id,
      doc.version,
      event.streamVersion,
    );
  return doc;
};

/**
 * Applies a batch of events to their documents and saves the changed ones, each guarded by the revision it was
 * read at: a document another writer moved meanwhile is reloaded and its events are applied to it again (the ones
 * it already reflects change nothing), so the newer state always wins.
 *
 * An event with a stream version is applied only right after the version before it: one further ahead throws a
 * retriable `VersionGapError` and nothing of the batch is written, so the consumer retries it rather than applying
 * past a missing event. Events without a stream version (produced by hand) are deduped by event id in `evolve`.
 * A `SkippedEvent` (a type this read model does not know) only moves its document's version, and never creates a
 * document on its own. Resolves with the documents of the batch as they now are (stored or just saved), so that
 * derived documents (a query's pre-aggregated index) can be brought up to date from them, on a redelivery too.
 */
export const applyToDocuments = async <E, D extends AppliedEvents>(
  documents: ReadModelDocuments<D>,
  events: readonly (ProjectedEvent<E> | SkippedEvent)[],
  fold: DocumentFold<E, D>,
): Promise<Map<string, D>> => {
  const byId = new Map<string, (ProjectedEvent<E> | SkippedEvent)[]>();
  for (const event of events) {
    const id = isSkipped(event) ? event.streamId : fold.idOf(event.event);
    byId.set(id, [...(byId.get(id) ?? []), event]);
  }
  let pending = [...byId.keys()];
  const final = new Map<string, D>();
  for (let race = 0; pending.length > 0; race++) {
    if (race > maxRaces)
      throw new TransientError(`documents ${pending.join(', ')} kept changing under this writer (${maxRaces} lost races)`);
    const current = await documents.load(pending);
    const changed: Revised<D>[] = [];
    for (const id of pending) {
      const own = byId.get(id) ?? [];
      const stored = current.get(id);
      if (stored === undefined && own.every(isSkipped)) continue;
      const before = stored ?? { doc: fold.initial(id), revision: 0 };
      const after = own.reduce((doc, event) => {
        const checked = checkNoGap(id, doc, event);
        if (!isSkipped(event)) return fold.evolve(checked, event);
        return isApplied(checked, event) ? checked : { ...checked, ...markApplied(checked, event) };
      }, before.doc);
      final.set(id, after);
      if (after !== before.doc) changed.push({ doc: after, revision: before.revision });
    }
    pending = changed.length === 0 ? [] : await documents.save(changed);
  }
  return final;
};
