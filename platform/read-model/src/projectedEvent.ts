import { isNewerVersion } from '@waggle/kafka-bus';

/** An event as a read model applies it: the payload plus what idempotency and timestamps need from its envelope. */
export type ProjectedEvent<E> = {
  readonly event: E;
  /** `ce_id`: what dedupes an event that carries no stream version. */
  readonly eventId: string;
  /** `ce_streamversion`, 1-based; undefined for events produced by hand (`waggle produce`). */
  readonly streamVersion: number | undefined;
  /** `ce_time` in UTC ISO 8601. */
  readonly occurredAt: string;
};

/** What a read-model document remembers of the events applied to it, so a redelivery or a replay changes nothing. */
export type AppliedEvents = {
  /** The last stream version applied; 0 before any. */
  readonly version: number;
  /** The ids of the latest events applied, newest last, at most `recentEventIdsKept`. */
  readonly recentEventIds: readonly string[];
};

// events without a stream version are redelivered close to their first delivery, so a short memory suffices
export const recentEventIdsKept = 64;

export const noEventsApplied: AppliedEvents = { version: 0, recentEventIds: [] };

/** Whether the document already reflects the event: by stream version when it has one, else by event id. */
export const isApplied = (applied: AppliedEvents, event: Omit<ProjectedEvent<unknown>, 'event'>): boolean =>
  event.streamVersion === undefined
    ? applied.recentEventIds.includes(event.eventId)
    : !isNewerVersion(applied.version, event.streamVersion);

/** The document's memory after applying the event. */
export const markApplied = (applied: AppliedEvents, event: Omit<ProjectedEvent<unknown>, 'event'>): AppliedEvents => ({
  version: event.streamVersion === undefined ? applied.version : Math.max(applied.version, event.streamVersion),
  recentEventIds: [...applied.recentEventIds.filter((id) => id !== event.eventId), event.eventId].slice(-recentEventIdsKept),
});
