export { createRelayService } from './createRelayService.ts';
export type { RelayService, RelayServiceOptions } from './createRelayService.ts';
export { createOutboxRelay } from './outboxRelay.ts';
export type { LaneStatus, OutboxRelay, OutboxRelayOptions, OutgoingRecord, RelayLogger } from './outboxRelay.ts';
export { createKafkaRecordMapper, streamVersionHeader } from './toKafkaRecords.ts';
export type { EventRouting } from './toKafkaRecords.ts';
