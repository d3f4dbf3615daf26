import { checkKafka } from '@waggle/kafka-bus';
import { MongoClient } from 'mongodb';

/** Resolves when the registry's Confluent API lists subjects; throws otherwise. */
export const probeRegistry = async (url: string, timeoutMs = 2000): Promise<void> => {
  const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}/subjects answered ${response.status}`);
  await response.arrayBuffer();
};

/** Resolves when the server answers a `ping` command; throws otherwise. */
export const probeMongo = async (url: string, timeoutMs = 2000): Promise<void> => {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
};

export const probeKafka = async (brokers: string, timeoutMs = 2000): Promise<void> => {
  await checkKafka(brokers, timeoutMs);
};
