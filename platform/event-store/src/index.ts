export type { Decider } from './decider.ts';
export { laneOf } from './eventStore.ts';
export type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  DomainEvent,
  EventMetadata,
  EventStore,
  NewEvent,
  OutboxBatch,
  OutboxPosition,
  OutboxRead,
  RecordedEvent,
  Snapshot,
  StreamSlice,
} from './eventStore.ts';
export { eventIdFor, handleCommand } from './handleCommand.ts';
export type { CommandMetadata, CommandResult, HandleCommandOptions } from './handleCommand.ts';
export { createInMemoryEventStore } from './inMemoryEventStore.ts';
export { createMongoEventStore } from './mongoEventStore.ts';
export type { MongoEventStoreOptions } from './mongoEventStore.ts';
export { openMongoEventStore } from './openMongoEventStore.ts';
export type { OpenedEventStore } from './openMongoEventStore.ts';
export type { StoreLogger } from './storeLogger.ts';
