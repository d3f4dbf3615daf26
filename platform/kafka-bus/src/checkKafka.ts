import { Kafka, logLevel } from 'kafkajs';

/** What a broker said about its cluster when asked. */
export type KafkaClusterInfo = { readonly clusterId: string; readonly brokers: readonly string[]; readonly controller: number | null };

/**
 * Connects an admin client to `brokers` (comma-separated `host:port`), describes the cluster, asks the group
 * coordinator about a group and has an idempotent producer get its producer id; throws when no broker answers
 * within `timeoutMs` or consumer groups or idempotent producers cannot work yet.
 * Used as a readiness probe, so it does not retry.
 */
export const checkKafka = async (brokers: string, timeoutMs = 2000): Promise<KafkaClusterInfo> => {
  const kafka = new Kafka({
    clientId: 'waggle-probe',
    brokers: brokers.split(',').map((b) => b.trim()),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    // a broker that just started answers metadata before its group coordinator has loaded; consumers need both
    await admin.describeGroups(['waggle-readiness-probe']);
    // ... and before it hands out producer ids ("coordinator is loading"), which every idempotent producer needs
    // (kafkajs refuses an idempotent producer without retries: allow one, within the same time budget)
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, maxRetryTime: timeoutMs } });
    await producer.connect();
    await producer.disconnect();
    return {
      clusterId: cluster.clusterId,
      brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`),
      controller: cluster.controller,
    };
  } finally {
    await admin.disconnect();
  }
};
