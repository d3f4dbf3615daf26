/**
 * Idempotency guard for handlers and read models under at-least-once delivery: apply an event only when its
 * aggregate version is newer than the one already applied (`current` undefined = nothing applied yet). Redelivered
 * or replayed events then change nothing. Make the guard part of the write itself (e.g. a Mongo update filtered on
 * `version: { $lt: incoming }`), not a read followed by a write, so two deliveries racing cannot both pass.
 * Effects without a version (sending an email, calling a gateway) dedupe by event id (`ce_id`) stored in the same
 * write as the effect.
 */
export const isNewerVersion = (current: number | undefined, incoming: number): boolean => current === undefined || incoming > current;

/**
 * Stricter guard for read models that must see every version: true only for the version right after `current`
 * (1 when nothing was applied). A gap means an event is missing or out of order; the caller decides whether to
 * wait (throw a retriable error) or rebuild.
 */
export const isNextVersion = (current: number | undefined, incoming: number): boolean => incoming === (current ?? 0) + 1;
