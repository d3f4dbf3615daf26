// The baseline's stateless hop: consumes each reply and produces the next command of the same chain (no store, no
// decisions), as a process of its own like the coordinator. Args: brokers, replies topic, commands topic, group.
import { createConsumer, createProducer, stopOnSignals } from '@waggle/kafka-bus';

const [brokers = '127.0.0.1:9092', replies = '', commands = '', group = ''] = process.argv.slice(2);
const producer = createProducer({ brokers: [brokers], clientId: `${group}-producer`, lingerMs: 0 });
await producer.start();
const consumer = createConsumer({
  brokers: [brokers],
  groupId: group,
  clientId: `${group}-consumer`,
  topics: [replies],
  fromBeginning: true,
  concurrency: 3,
  handle: async (record) => {
    const reply = JSON.parse(record.value?.toString('utf8') ?? '{}') as { chain: string; step: number };
    await producer.send([
      { topic: commands, key: record.key, value: Buffer.from(JSON.stringify({ chain: reply.chain, step: reply.step + 1 })) },
    ]);
  },
});
await consumer.start();
process.stdout.write('ready\n');
stopOnSignals([consumer, producer]);
