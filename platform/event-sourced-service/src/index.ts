export { startEventSourcedService } from './startEventSourcedService.ts';
export type { EventSourcedServiceOptions, Reaction, RunningService, ServiceDeps, ServiceSettings } from './startEventSourcedService.ts';
export type { IncomingEvent } from './incomingEvent.ts';
export { commandFromEvent, commandFromRequest, newAggregateId } from './commandMetadata.ts';
export { decodeEvent } from './decodeEvent.ts';
