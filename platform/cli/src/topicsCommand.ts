import { describeTopics } from '@waggle/kafka-bus';
import { Command } from 'commander';
import { formatTable } from './formatTable.ts';
import { loadStackEndpoints } from './stackEndpoints.ts';

const topics = async (options: { json?: boolean; all?: boolean }): Promise<void> => {
  const endpoints = loadStackEndpoints();
  await endpoints.requireKafka();
  const described = await describeTopics(endpoints.brokers, { includeInternal: options.all === true, logger: endpoints.logger });
  if (options.json === true) {
    const rows = described.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.length,
      messages: t.messages,
      endOffsets: t.partitions.map((p) => Number(p.high)),
    }));
    console.log(JSON.stringify(rows));
    return;
  }
  const rows = described.map((t) => [t.topic, String(t.partitions.length), String(t.messages), t.partitions.map((p) => p.high).join(',')]);
  console.log(formatTable(['TOPIC', 'PARTITIONS', 'MESSAGES', 'END OFFSETS'], rows));
};

/** `waggle topics`: what is on the broker and how much of it. */
export const topicsCommand = (): Command =>
  new Command('topics')
    .description('list topics with their partition count, message count and end offset per partition')
    .option('--json', 'a JSON array, for scripts')
    .option('--all', "include internal topics (names starting with _, such as Kafka's __consumer_offsets)")
    .addHelpText(
      'after',
      `
MESSAGES counts what the partitions retain (end offset minus earliest offset).

Examples:
  $ waggle topics
  $ waggle topics --json | jq '.[] | select(.topic == "bookings.events")'`,
    )
    .action(topics);
