/** A document as it was read, with the revision the store had for it: 0 when it was not stored yet. */
export type Revised<D> = { readonly doc: D; readonly revision: number };

/**
 * Where a read model keeps one kind of document, written under optimistic concurrency: a save names the revision
 * it read, so a writer that was overtaken (an evicted consumer still finishing its batch) cannot put an older state
 * over a newer one.
 */
export type ReadModelDocuments<D> = {
  /** The stored documents among `ids`, by id, with the revision each was read at; a missing id is not in the map. */
  readonly load: (ids: readonly string[]) => Promise<Map<string, Revised<D>>>;
  /**
   * Writes each document unless its stored revision moved since `revision` was read; resolves with the ids of
   * those that moved (lost the race), which the caller reloads and applies its events to again.
   */
  readonly save: (changed: readonly Revised<D>[]) => Promise<string[]>;
};
