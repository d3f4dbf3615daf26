export { checkKafka } from './checkKafka.ts';
export type { KafkaClusterInfo } from './checkKafka.ts';
