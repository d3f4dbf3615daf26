import { Kafka, logLevel } from 'kafkajs';

/** What a broker said about its cluster when asked. */
export type KafkaClusterInfo = { readonly clusterId: string; readonly brokers: readonly string[]; readonly controller: number | null };

/**
 * Connects an admin client to `brokers` (comma-separated `host:port`), describes the cluster and asks the group
 * coordinator about a group; throws when no broker answers within `timeoutMs` or consumer groups cannot work yet.
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
    return {
      clusterId: cluster.clusterId,
      brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`),
      controller: cluster.controller,
    };
  } finally {
    await admin.disconnect();
  }
};
