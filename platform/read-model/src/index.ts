export { createEventDecoder } from './createEventDecoder.ts';
export { isApplied, markApplied, noEventsApplied, recentEventIdsKept } from './projectedEvent.ts';
export type { AppliedEvents, ProjectedEvent } from './projectedEvent.ts';
export { startReadModelService } from './startReadModelService.ts';
export type { ReadModelServiceOptions, ReadModelStore, RunningReadModel } from './startReadModelService.ts';
export { createMongoOffsets, translateMongoErrors } from './mongoOffsets.ts';
export type { ReflectedOffset } from './mongoOffsets.ts';
