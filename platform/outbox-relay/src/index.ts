export { createOutboxRelay } from './outboxRelay.ts';
export type { LaneStatus, OutboxRelay, OutboxRelayOptions, OutgoingRecord, RelayLogger } from './outboxRelay.ts';
