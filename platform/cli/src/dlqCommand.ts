import { describeTopics, listDeadLetters, planRedrive, sendRedrive, type DeadLetter } from '@waggle/kafka-bus';
import { Command } from 'commander';
import { createProgress } from './createProgress.ts';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { loadStackEndpoints } from './stackEndpoints.ts';

const shorten = (text: string, max = 70): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const asJson = (l: DeadLetter) => {
  const { record: _, ...rest } = l;
  return rest;
};

/** The source topic must exist; its dead-letter topic may not (nothing was ever dead-lettered). */
const requireTopic = async (topic: string): Promise<ReturnType<typeof loadStackEndpoints>> => {
  const endpoints = loadStackEndpoints();
  await endpoints.requireKafka();
  if (topic.endsWith('.dlq'))
    throw new CliError(`name the source topic, not its dead-letter topic: ${topic.slice(0, -4)}`, exitCodes.usage);
  const [described] = await describeTopics(endpoints.brokers, { topics: [topic], logger: endpoints.logger });
  if (described === undefined) throw new CliError(`topic ${topic} does not exist (waggle topics lists them)`, exitCodes.usage);
  return endpoints;
};

const list = async (topic: string, options: { json?: boolean; group?: string; pending?: boolean }): Promise<void> => {
  const endpoints = await requireTopic(topic);
  const letters = (await listDeadLetters(endpoints.brokers, topic, { logger: endpoints.logger })).filter(
    (l) => (options.group === undefined || l.group === options.group) && (options.pending !== true || l.status === 'pending'),
  );
  if (options.json === true) {
    console.log(JSON.stringify(letters.map(asJson)));
    return;
  }
  if (letters.length === 0) {
    console.log(`no dead letters for ${topic}${options.group === undefined ? '' : ` in group ${options.group}`}`);
    return;
  }
  const rows = letters.map((l) => [
    `${l.originalPartition}/${l.originalOffset}`,
    l.key ?? '(none)',
    l.group,
    l.status,
    l.errorClass,
    shorten(l.errorMessage),
  ]);
  console.log(formatTable(['PARTITION/OFFSET', 'KEY', 'GROUP', 'STATUS', 'ERROR', 'MESSAGE'], rows));
  const pendingKeys = new Set(letters.filter((l) => l.status === 'pending' && l.key !== null).map((l) => `${l.group} ${l.key}`));
  if (pendingKeys.size > 0) console.log(`\n${pendingKeys.size} key(s) parked; put them back with: waggle dlq redrive ${topic} --key <key>`);
};

const redrive = async (topic: string, options: { key?: string; offset?: string; group?: string; yes?: boolean }): Promise<void> => {
  if (options.offset !== undefined && !/^\d+$/.test(options.offset))
    throw new CliError(`--offset must be a record offset (a non-negative integer), got ${options.offset}`, exitCodes.usage);
  const endpoints = await requireTopic(topic);
  const selection = {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.offset === undefined ? {} : { offset: options.offset }),
    ...(options.group === undefined ? {} : { group: options.group }),
  };
  const plan = planRedrive(await listDeadLetters(endpoints.brokers, topic, { logger: endpoints.logger }), selection);
  if (plan.problems.length > 0) throw new CliError(plan.problems.join('\n'), exitCodes.usage);
  if (plan.copies.length === 0) {
    console.log(`nothing to redrive: no pending dead letters of ${topic} match`);
    return;
  }
  const rows = plan.copies.map(({ deadLetter: l }) => [`${l.originalPartition}/${l.root}`, l.key ?? '(none)', l.group, l.errorClass]);
  console.log(formatTable(['PARTITION/OFFSET', 'KEY', 'FOR GROUP', 'ERROR'], rows));
  if (options.yes !== true) {
    console.log(`\ndry run: ${plan.copies.length} record(s) would go back to ${topic}; run again with --yes to redrive them`);
    return;
  }
  const progress = createProgress({ total: plan.copies.length, label: `redriving to ${topic}` });
  let reported = 0;
  await sendRedrive(endpoints.brokers, plan, {
    logger: endpoints.logger,
    onProgress: (sent) => {
      progress.advance(sent - reported);
      reported = sent;
    },
  });
  progress.stop();
  console.log(`\nredrove ${plan.copies.length} record(s) to ${topic}; each group handles its own in order and unparks the key`);
};

/** `waggle dlq`: look at dead letters and put them back once their cause is fixed. */
export const dlqCommand = (): Command => {
  const command = new Command('dlq').description('dead letters of a topic: list them, redrive them to their topic');
  command
    .command('list')
    .description('list the dead letters of a topic (read from <topic>.dlq), with whether their key is still parked')
    .argument('<topic>', 'the source topic, e.g. bookings.events')
    .option('--group <group>', 'only the dead letters of this consumer group')
    .option('--pending', 'only those whose key is still parked')
    .option('--json', 'a JSON array, for scripts')
    .addHelpText(
      'after',
      `
A record that fails with an error that cannot pass by retrying (it breaks its schema, a handler refuses it) is
dead-lettered and its key is parked: later records of that key are held back behind it (ERROR ParkedKeyError), in
order, while other keys flow. STATUS pending: still parked; settled: a redrive unparked the key.

Examples:
  $ waggle dlq list bookings.events
  $ waggle dlq list bookings.events --pending --json | jq '.[] | {key, group, errorMessage}'`,
    )
    .action(list);
  command
    .command('redrive')
    .description('put pending dead letters back on their topic, in order per key (a dry run unless --yes)')
    .argument('<topic>', 'the source topic, e.g. bookings.events')
    .option('--key <key>', 'only the dead letters of this key')
    .option('--offset <offset>', 'only the dead letter of this source offset (the first pending one of its key)')
    .option('--group <group>', 'only the dead letters of this consumer group')
    .option('--yes', 'do it (without it, only show what would be redriven)')
    .addHelpText(
      'after',
      `
Each record goes back to its original partition with its original key, value and headers, plus waggle_redrive-*
headers naming the consumer group it failed in: that group handles the records in order and unparks the key after
the last; every other group skips them (it saw the originals). Fix the cause first (deploy the fix), then redrive.
A record that fails again is dead-lettered again and its key stays parked.

Examples:
  $ waggle dlq redrive bookings.events --key b-42            what would go back
  $ waggle dlq redrive bookings.events --key b-42 --yes      do it
  $ waggle dlq redrive bookings.events --yes                 every parked key`,
    )
    .action(redrive);
  return command;
};
