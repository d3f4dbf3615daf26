import { createTailReader, stopOnSignals } from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import { Command, InvalidArgumentError } from 'commander';
import { loadStackEndpoints } from './stackEndpoints.ts';
import { formatTailEntry, toJsonLine, toTailEntry, type Decoded } from './tailEntry.ts';
import { matchesTailFilter } from './tailFilter.ts';

type TailOptions = { fromBeginning?: boolean; type?: string; key?: string; json?: boolean; max?: number };

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

const tail = async (topic: string, options: TailOptions): Promise<void> => {
  const endpoints = loadStackEndpoints();
  await endpoints.requireKafka();
  await endpoints.requireTopic(topic);

  // no local schemas: a tail shows what the writer wrote, not what today's reader would make of it
  const serde = createAvroSerde({ registryUrl: endpoints.registryUrl, schemas: [] });
  const filter = {
    ...(options.type === undefined ? {} : { type: options.type }),
    ...(options.key === undefined ? {} : { key: options.key }),
  };
  let shown = 0;
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const reader = createTailReader({
    brokers: endpoints.brokers,
    topic,
    fromBeginning: options.fromBeginning === true,
    logger: endpoints.logger,
    onRecord: async (record) => {
      if (options.max !== undefined && shown >= options.max) return;
      let decoded: Decoded;
      if (record.value === null) decoded = { error: 'no value (a tombstone)' };
      else {
        try {
          decoded = await serde.decode(record.value);
        } catch (error) {
          // a record nobody can read is still a record on the topic: show it and keep going
          decoded = { error: error instanceof Error ? error.message : String(error) };
        }
      }
      const entry = toTailEntry(record, decoded);
      if (!matchesTailFilter(entry, filter)) return;
      shown += 1;
      process.stdout.write(`${options.json === true ? toJsonLine(entry) : formatTailEntry(entry)}\n`);
      if (options.max !== undefined && shown >= options.max) finish();
    },
  });

  // `waggle tail … | head` closes the pipe early: that is the reader being done, not a failure
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    finish();
  });
  // Ctrl-C is how a tail without --max ends, so it stops the reader and exits 0
  const removeSignalHandlers = stopOnSignals([reader], { logger: endpoints.logger });
  try {
    await reader.start();
    if (process.stderr.isTTY)
      console.error(`waggle: tailing ${topic}${options.fromBeginning === true ? ' from the beginning' : ''}; Ctrl-C to stop`);
    await finished;
  } finally {
    removeSignalHandlers();
    await reader.stop();
  }
};

/** `waggle tail`: a topic's records, decoded, with their headers, for people (or `--json` for scripts). */
export const tailCommand = (): Command =>
  new Command('tail')
    .description('show the records of a topic decoded, with partition, offset, key, type, time and headers')
    .argument('<topic>', 'topic to read, e.g. bookings.events')
    .option('--from-beginning', 'start at the earliest record instead of new records only')
    .option('-t, --type <EventType>', 'only this event type (BookingRequested or the full name)')
    .option('-k, --key <key>', 'only records with this key (aggregate id)')
    .option('--json', 'one JSON object per line, for scripts')
    .option('-n, --max <count>', 'exit after showing this many records', positiveInteger)
    .addHelpText(
      'after',
      `
Tailing joins no service's consumer group and commits nothing. Records that cannot be decoded are shown
as such. Ctrl-C stops (exit 0).

Examples:
  $ waggle tail bookings.events
  $ waggle tail flights.events --from-beginning --key LH400-2026-12-01
  $ waggle tail bookings.events --from-beginning --type BookingRejected --json --max 10 | jq .data.reason`,
    )
    .action(tail);
