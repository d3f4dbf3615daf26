import { serviceStatusSchema, type ServiceStatus } from '@waggle/http';
import { Command } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { serviceUrls } from './serviceUrls.ts';

type Answer = { name: string; url: string; setting: string; status?: ServiceStatus; unreachable?: string };

/** A lane waiting this long for Kafka's acknowledgement is shown as a problem. */
const slowAckMs = 5_000;

const ask = async (service: { name: string; url: string; setting: string }): Promise<Answer> => {
  try {
    const response = await fetch(`${service.url}/status`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return { ...service, unreachable: `answered ${response.status}` };
    const parsed = serviceStatusSchema.safeParse(await response.json());
    return parsed.success
      ? { ...service, status: parsed.data }
      : { ...service, unreachable: 'answered something that is not a waggle status' };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ...service, unreachable: `does not answer (${cause})` };
  }
};

/** Table rows, and the problems that make the exit code 1. */
const describe = (answers: readonly Answer[]): { rows: string[][]; problems: string[] } => {
  const rows: string[][] = [];
  const problems: string[] = [];
  for (const a of answers) {
    if (!a.status) {
      rows.push([a.name, '-', '-', `${a.url} ${a.unreachable ?? ''} (set ${a.setting} if it runs elsewhere)`]);
      problems.push(`${a.name} ${a.unreachable ?? ''}`);
      continue;
    }
    const outbox = a.status.outbox;
    if (outbox) {
      // one row per lane, whichever instance relays it: LAG is its backlog (head − cursor)
      for (const l of outbox.lanes) {
        const notes = [
          ...(l.waiting === undefined ? [] : [l.waiting]),
          ...((l.waitingForAckMs ?? 0) >= slowAckMs ? [`waiting ${Math.round((l.waitingForAckMs ?? 0) / 1000)} s for Kafka`] : []),
        ];
        const holder = l.holder === undefined ? '' : ` @ ${l.holder}${l.holder === outbox.instance ? ' (answered)' : ''}`;
        rows.push([
          a.name,
          `outbox lane ${l.lane} ${l.state}${holder}`,
          l.backlog === undefined ? '?' : String(l.backlog),
          notes.join('; '),
        ]);
        problems.push(...notes.map((n) => `${a.name} outbox lane ${l.lane}: ${n}`));
      }
      if (outbox.error !== undefined) {
        rows.push([a.name, 'outbox', '?', outbox.error]);
        problems.push(`${a.name} outbox: ${outbox.error}`);
      }
    }
    for (const c of a.status.consumers) {
      const lag = c.partitions.reduce((sum, p) => sum + p.lag, 0);
      const trouble = [
        ...(c.state === 'crashed' ? [`crashed, consumes nothing until restarted: ${c.crashError ?? 'unknown error'}`] : []),
        ...(c.error === undefined ? [] : [c.error]),
        ...(c.retrying ?? []).map(
          (r) => `${r.topic}/${r.partition} held on offset ${r.offset} since ${r.since} (${r.attempts} attempts): ${r.lastError}`,
        ),
        ...(c.parked ?? []).map(
          (k) =>
            `key ${k.key} of ${k.topic} parked since offset ${k.since} (${k.records} held; waggle dlq redrive ${k.topic} --key ${k.key})`,
        ),
      ];
      const depth = (c.deadLetters ?? []).filter((d) => d.records > 0).map((d) => `${d.dlqTopic}: ${d.records} dead letter(s)`);
      rows.push([a.name, `group ${c.group}`, c.error === undefined ? String(lag) : '?', [...trouble, ...depth].join('; ')]);
      problems.push(...trouble.map((t) => `${a.name} group ${c.group}: ${t}`));
    }
  }
  return { rows, problems };
};

const status = async (options: { json?: boolean }): Promise<void> => {
  const answers = await Promise.all(serviceUrls().map(ask));
  const { rows, problems } = describe(answers);
  if (options.json === true) {
    console.log(
      JSON.stringify(
        answers.map((a) => ({ name: a.name, url: a.url, ...(a.status ? { status: a.status } : { unreachable: a.unreachable }) })),
      ),
    );
  } else {
    console.log(formatTable(['SERVICE', 'WHAT', 'LAG', 'NOTE'], rows));
  }
  if (problems.length > 0) throw new CliError(`waggle status: ${problems.length} problem(s): ${problems.join('; ')}`, exitCodes.failure);
};

/** `waggle status`: asks every service of a running system what it still has to do. */
export const statusCommand = (): Command =>
  new Command('status')
    .description("ask each running service for its outbox lanes and its consumer groups' lag (GET /status)")
    .option('--json', 'the answers as a JSON array, for scripts')
    .addHelpText(
      'after',
      `
LAG is the number of records a consumer group has not processed yet, summed over its partitions; for an outbox
lane (one row per lane, with its state and the instance relaying it), the entries not yet published (head − cursor).
NOTE names why a lane waits, a partition retrying a record (an outage: it retries without limit), a parked key (held
back behind a dead letter until redriven) and the depth of each dead-letter topic. Exit code 1 when a service does
not answer, a lane keeps failing, has not started or waits for Kafka, a group crashed, retries a record, holds a parked key, or its lag cannot be read.
Services are found at the ports \`waggle start\` uses, or at FLIGHTS_URL, BOOKINGS_URL, FLIGHT_SEARCH_URL and
CUSTOMER_BOOKINGS_URL.

Examples:
  $ waggle status
  $ watch -n 1 npx waggle status
  $ waggle status --json | jq '.[].status.consumers[] | {group, lag: ([.partitions[].lag] | add)}'`,
    )
    .action(status);
