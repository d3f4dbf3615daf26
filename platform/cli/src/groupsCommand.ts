import { describeGroupOffsets, resetGroupOffsets, type ResetTarget } from '@waggle/kafka-bus';
import { Command } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { loadStackEndpoints } from './stackEndpoints.ts';

/** `--to earliest|latest|<ISO time or epoch ms>|<topic:partition:offset>[,…]` as a reset target. */
export const parseResetTarget = (to: string): ResetTarget => {
  if (to === 'earliest' || to === 'latest') return to;
  const given = to.split(',').map((part) => /^(.+):(\d+):(\d+)$/.exec(part.trim()));
  if (given.every((m) => m !== null)) return given.map((m) => ({ topic: m[1]!, partition: Number(m[2]), offset: m[3]! }));
  const timestamp = /^\d+$/.test(to) ? Number(to) : Date.parse(to);
  if (Number.isFinite(timestamp)) return { timestamp };
  throw new CliError(
    `--to ${to}: give earliest, latest, a time (2026-12-03T07:00:00Z or epoch milliseconds) or topic:partition:offset[,…]`,
    exitCodes.usage,
  );
};

const describe = async (group: string, options: { json?: boolean; topic?: string[] }): Promise<void> => {
  const endpoints = loadStackEndpoints();
  await endpoints.requireKafka();
  const described = await describeGroupOffsets(endpoints.brokers, group, {
    ...(options.topic ? { topics: options.topic } : {}),
    logger: endpoints.logger,
  });
  if (options.json === true) return console.log(JSON.stringify(described));
  console.log(`group ${group}: ${described.state}, ${described.members} member(s)`);
  const rows = described.partitions.map((p) => [p.topic, String(p.partition), p.committed, p.low, p.high, String(p.lag)]);
  console.log(formatTable(['TOPIC', 'PARTITION', 'COMMITTED', 'EARLIEST', 'END', 'LAG'], rows));
};

const reset = async (group: string, options: { to: string; dryRun?: boolean; json?: boolean; topic?: string[] }): Promise<void> => {
  const to = parseResetTarget(options.to);
  const endpoints = loadStackEndpoints();
  await endpoints.requireKafka();
  const changes = await resetGroupOffsets(endpoints.brokers, group, {
    to,
    dryRun: options.dryRun === true,
    ...(options.topic ? { topics: options.topic } : {}),
    logger: endpoints.logger,
  });
  if (options.json === true) return console.log(JSON.stringify({ group, dryRun: options.dryRun === true, changes }));
  const rows = changes.map((c) => [c.topic, String(c.partition), c.from, c.to, c.from === c.to ? '' : 'moves']);
  console.log(formatTable(['TOPIC', 'PARTITION', 'COMMITTED', 'NEW OFFSET', ''], rows));
  const moving = changes.filter((c) => c.from !== c.to).length;
  console.log(
    options.dryRun === true
      ? `dry run: ${moving} of ${changes.length} partition(s) of ${group} would move; nothing written`
      : `${group}: ${moving} of ${changes.length} partition(s) moved`,
  );
};

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `waggle groups describe|reset`: a consumer group's offsets, and moving them as kafka-consumer-groups does. */
export const groupsCommand = (): Command => {
  const command = new Command('groups').description("consumer groups' committed offsets: describe them, reset them");
  command
    .command('describe')
    .description('state, members and per partition the committed offset, earliest and end offsets, and lag')
    .argument('<group>')
    .option('--topic <topic>', 'only this topic (repeatable); default: every topic the group committed on', collect)
    .option('--json', 'as JSON, for scripts')
    .action(describe);
  command
    .command('reset')
    .description('move the committed offsets of a group with no live member')
    .argument('<group>')
    .requiredOption('--to <target>', 'earliest, latest, a time (ISO 8601 or epoch ms), or topic:partition:offset[,…]')
    .option('--topic <topic>', 'only this topic (repeatable); default: every topic the group committed on', collect)
    .option('--dry-run', 'show per partition what would change, write nothing')
    .option('--json', 'the changes as JSON, for scripts')
    .addHelpText(
      'after',
      `
Refused (exit 1) while the group has live members: stop its consumers first. A bad --to or an offset outside what a
partition holds is exit 2.

Examples:
  $ waggle groups describe flight-search
  $ waggle groups reset flight-search --to earliest --dry-run
  $ waggle groups reset flight-search --to 2026-12-03T06:00:00Z
  $ waggle groups reset flight-search --to flights.events:0:120,flights.events:1:98`,
    )
    .action(reset);
  return command;
};
