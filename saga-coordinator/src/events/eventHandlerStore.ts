import { NotFoundError, RuleViolationError } from '@waggle/errors';
import type { Db } from 'mongodb';
import { isDuplicateKey } from '../service/mongoErrors.ts';
import type { EventHandler } from './eventHandler.ts';

// kept as JSON text, as the definitions are (FerretDB stores no nested arrays)
type EventHandlerDoc = { _id: string; event: string; active: boolean; json: string; createTime: number; updateTime?: number };

const toHandler = (doc: EventHandlerDoc): EventHandler => JSON.parse(doc.json) as EventHandler;
const toDoc = (handler: EventHandler) => ({ event: handler.event, active: handler.active !== false, json: JSON.stringify(handler) });

/** Conductor's event handlers in the coordinator's database, keyed by name; `changed` tells this instance's consumers. */
export const createEventHandlerStore = (db: Db) => {
  const handlers = db.collection<EventHandlerDoc>('event_handlers');
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  return {
    start: async (): Promise<void> => {
      await handlers.createIndex({ event: 1 });
    },
    onChange: (listener: () => void): void => void listeners.add(listener),
    /** Adds a handler; an existing name is a 409, as Conductor answers. */
    add: async (handler: EventHandler, now = Date.now()): Promise<void> => {
      try {
        await handlers.insertOne({ _id: handler.name, ...toDoc(handler), createTime: now });
      } catch (error) {
        if (isDuplicateKey(error)) throw new RuleViolationError(`EventHandler with name ${handler.name} already exists!`);
        throw error;
      }
      changed();
    },
    /** Replaces a handler; an unknown name is a 404. */
    update: async (handler: EventHandler, now = Date.now()): Promise<void> => {
      const updated = await handlers.updateOne({ _id: handler.name }, { $set: { ...toDoc(handler), updateTime: now } });
      if (updated.matchedCount === 0) throw new NotFoundError(`EventHandler with name ${handler.name} not found!`);
      changed();
    },
    /** Adds or replaces, leaving an identical handler untouched (what registering the bundled ones at start does). */
    put: async (handler: EventHandler, now = Date.now()): Promise<'added' | 'updated' | 'unchanged'> => {
      const doc = toDoc(handler);
      const existing = await handlers.findOne({ _id: handler.name });
      if (existing?.json === doc.json) return 'unchanged';
      await handlers.updateOne(
        { _id: handler.name },
        { $set: { ...doc, updateTime: now }, $setOnInsert: { createTime: now } },
        { upsert: true },
      );
      changed();
      return existing === null ? 'added' : 'updated';
    },
    remove: async (name: string): Promise<void> => {
      const deleted = await handlers.deleteOne({ _id: name });
      if (deleted.deletedCount === 0) throw new NotFoundError(`EventHandler with name ${name} not found!`);
      changed();
    },
    list: async (): Promise<EventHandler[]> => (await handlers.find({}).sort({ _id: 1 }).toArray()).map(toHandler),
    forEvent: async (event: string, activeOnly: boolean): Promise<EventHandler[]> =>
      (
        await handlers
          .find(activeOnly ? { event, active: true } : { event })
          .sort({ _id: 1 })
          .toArray()
      ).map(toHandler),
  };
};

export type EventHandlerStore = ReturnType<typeof createEventHandlerStore>;
