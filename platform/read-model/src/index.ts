export { createEventDecoder } from './createEventDecoder.ts';
export { isApplied, markApplied, noEventsApplied, recentEventIdsKept } from './projectedEvent.ts';
export type { AppliedEvents, ProjectedEvent } from './projectedEvent.ts';
