import type { TailEntry } from './tailEntry.ts';

/** What `waggle tail` was asked to show: `type` as an event type (`SeatsHeld`) or a full name; `key` exactly. */
export type TailFilter = { readonly type?: string; readonly key?: string };

/** Whether the entry is one to show; an entry of unknown type passes only when no type was asked for. */
export const matchesTailFilter = (entry: TailEntry, filter: TailFilter): boolean => {
  if (filter.key !== undefined && entry.key !== filter.key) return false;
  if (filter.type === undefined) return true;
  if (entry.type === null) return false;
  return entry.type === filter.type || entry.type.endsWith(`.${filter.type}`);
};
