export { checkKafka } from './checkKafka.ts';
export type { KafkaClusterInfo } from './checkKafka.ts';
export { computeBackoff } from './computeBackoff.ts';
export { createBatcher } from './createBatcher.ts';
export type { Batcher } from './createBatcher.ts';
export type { ConsumedRecord } from './consumedRecord.ts';
export { createConsumer } from './createConsumer.ts';
export type {
  Consumer,
  ConsumerContext,
  ConsumerOptions,
  ConsumerStatus,
  DeadLetterDepth,
  PartitionLag,
  RetryingPartition,
} from './createConsumer.ts';
export type { ParkedKey } from './parkedKeys.ts';
export { readTopicToEnd } from './readTopicToEnd.ts';
export { listDeadLetters, planRedrive, redriveDeadLetters, sendRedrive } from './deadLetterQueue.ts';
export type { DeadLetter, RedrivePlan, RedriveSelection } from './deadLetterQueue.ts';
export type { Brokers } from './createKafkaClient.ts';
export { createProducer } from './createProducer.ts';
export type { Producer, ProducerOptions, ProducerRecord } from './createProducer.ts';
export { createTopics, topicConfigFor } from './createTopics.ts';
export { pinGroupStart } from './pinGroupStart.ts';
export type { TopicSpec } from './createTopics.ts';
export { createTailReader } from './createTailReader.ts';
export { createOffsetReader } from './createOffsetReader.ts';
export type { OffsetReader, OffsetReaderOptions } from './createOffsetReader.ts';
export type { TailReader, TailReaderOptions } from './createTailReader.ts';
export { deadLetterHeaderNames, readDeadLetterHeaders } from './deadLetterHeaders.ts';
export type { DeadLetterInfo } from './deadLetterHeaders.ts';
export { describeTopics } from './describeTopics.ts';
export type { PartitionOffsets, TopicDescription } from './describeTopics.ts';
export { avroContentType, fromEventHeaders, toEventHeaders } from './eventHeaders.ts';
export type { EventMeta } from './eventHeaders.ts';
export { isNewerVersion, isNextVersion } from './isNewerVersion.ts';
export { consoleLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { stopOnSignals } from './stopOnSignals.ts';
export type { Closeable } from './stopOnSignals.ts';
export { createPartitionLeases } from './createPartitionLeases.ts';
export type { PartitionLeases, PartitionLeasesOptions } from './createPartitionLeases.ts';
export { createSinkConsumer } from './createSinkConsumer.ts';
export type { PartitionFence, SinkBatch, SinkConsumer, SinkConsumerOptions } from './createSinkConsumer.ts';
export { listTopics } from './listTopics.ts';
export { deleteGroup, describeGroupOffsets, resetGroupOffsets } from './groupOffsets.ts';
export type { GroupOffsets, GroupPartition, OffsetChange, ResetTarget } from './groupOffsets.ts';
