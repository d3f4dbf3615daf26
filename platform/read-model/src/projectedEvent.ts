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

/**
 * An event of a type the read model does not know (a producer newer than the read model): nothing to apply, but
 * its stream version still counts, so the stream's next known event is not taken for a gap.
 */
export type SkippedEvent = {
  /** The record's full name, e.g. `waggle.bookings.BookingRebooked`. */
  readonly skipped: string;
  /** The record key: the stream (aggregate) id, which is the document id for a read model keyed by stream. */
  readonly streamId: string;
  readonly eventId: string;
  readonly streamVersion: number | undefined;
  readonly occurredAt: string;
};

export const isSkipped = (event: ProjectedEvent<unknown> | SkippedEvent): event is SkippedEvent => 'skipped' in event;

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
