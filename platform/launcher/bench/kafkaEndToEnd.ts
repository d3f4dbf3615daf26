import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Kafka's own `EndToEndLatency` tool (Kafka 4.1 arguments: `broker_list topic num_messages producer_acks
 * message_size_bytes`): one record at a time produced and consumed back on a new one-partition topic; the
 * percentiles it prints, in ms (it rounds them to whole milliseconds).
 */
export const kafkaEndToEnd = async (
  classpath: string,
  brokers: string,
  messages: number,
  messageBytes: number,
): Promise<{ p50: number; p99: number; p999: number; avg: number }> => {
  const { stdout } = await run(
    'java',
    [
      '-Xmx256m',
      '-cp',
      classpath,
      'org.apache.kafka.tools.EndToEndLatency',
      brokers,
      `bench-e2e-${randomUUID().slice(0, 8)}`,
      String(messages),
      'all',
      String(messageBytes),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const percentiles = /50th = ([\d.]+), 99th = ([\d.]+), 99.9th = ([\d.]+)/.exec(stdout);
  const avg = /Avg latency: ([\d.]+) ms/.exec(stdout)?.[1];
  if (!percentiles || avg === undefined) throw new Error(`EndToEndLatency printed no percentiles: ${stdout.slice(-300)}`);
  return { p50: Number(percentiles[1]), p99: Number(percentiles[2]), p999: Number(percentiles[3]), avg: Number(avg) };
};
