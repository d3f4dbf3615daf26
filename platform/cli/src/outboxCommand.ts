import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { openMongoOutboxAdmin, type OutboxAdmin, type QuarantineRecord } from '@waggle/outbox-relay';
import { loadStackConfig } from '@waggle/stack';
import { Command } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';

const positiveInteger = (what: string, text: string, min: number): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min)
    throw new CliError(`waggle outbox: ${what} must be an integer ≥ ${min}, got "${text}"`, exitCodes.usage);
  return value;
};

type QuarantineOptions = { reason?: string; yes?: boolean; database?: string };

/** Everything the operator is shown before anything is changed; throws the refusals. */
const plan = async (
  admin: OutboxAdmin,
  service: string,
  lane: number,
  seq: number,
): Promise<{ lines: string[]; record: Omit<QuarantineRecord, 'reason' | 'eventId' | 'by' | 'at'> }> => {
  const lanes = await admin.lanes();
  if (lanes.length === 0) {
    throw new CliError(
      `waggle outbox: no outbox relay has run in the database of ${service} (is the service name right? --database names another)`,
      exitCodes.usage,
    );
  }
  const record = lanes.find((l) => l.lane === lane);
  if (!record)
    throw new CliError(
      `waggle outbox: ${service} has no relayed lane ${lane} (its lanes: ${lanes.map((l) => l.lane).join(', ')})`,
      exitCodes.usage,
    );
  const head = await admin.head(lane);
  const where = `${service} outbox lane ${lane}: cursor ${record.cursor}, head ${head}, held by ${record.instance}`;
  if (seq <= record.cursor)
    throw new CliError(`waggle outbox: entry ${seq} is already published (${where}); nothing to quarantine`, exitCodes.usage);
  const entry = await admin.entry(lane, seq);
  if (entry.kind === 'missing') throw new CliError(`waggle outbox: lane ${lane} has no entry ${seq} (${where})`, exitCodes.usage);
  if (entry.kind === 'nothing to publish') {
    throw new CliError(
      `waggle outbox: entry ${seq} of lane ${lane} holds nothing to publish (a void entry, an append that lost its race, or one not committed yet); the relay steps over it by itself`,
      exitCodes.usage,
    );
  }
  const { batch } = entry;
  const types = batch.events.map((e) => e.type);
  const from = batch.events[0]?.version ?? 0;
  const to = batch.events.at(-1)?.version ?? from;
  return {
    lines: [
      where,
      `  why it waits: ${record.lastError ?? 'it does not (the lane is not failing now)'}`,
      `  entry ${seq}: stream ${batch.streamId}, version${from === to ? ` ${from}` : `s ${from}–${to}`}, batch ${batch.batchId}: ${types.join(', ')}`,
      ...(record.lastError === undefined
        ? ['  warning: a quarantine is for an entry that cannot be published; the relay steps over it only once it fails to publish it']
        : []),
    ],
    record: {
      type: 'OutboxEntryQuarantined',
      lane,
      seq,
      entry: { streamId: batch.streamId, batchId: batch.batchId, fromVersion: from, toVersion: to, types },
    },
  };
};

const quarantine = async (service: string, laneText: string, seqText: string, options: QuarantineOptions): Promise<void> => {
  const lane = positiveInteger('<lane>', laneText, 0);
  const seq = positiveInteger('<seq>', seqText, 1);
  const reason = options.reason?.trim();
  if (options.yes === true && !reason)
    throw new CliError('waggle outbox quarantine: --yes needs a --reason, kept with the record', exitCodes.usage);
  const admin = await openMongoOutboxAdmin({ url: loadStackConfig().mongo.url, database: options.database ?? service }).catch(
    (error: unknown) => {
      throw new CliError(`waggle outbox: MongoDB does not answer at MONGO_URL: ${(error as Error).message}`, exitCodes.failure, {
        cause: error,
      });
    },
  );
  try {
    const earlier = (await admin.quarantined(lane, seq - 1)).find((q) => q.seq === seq);
    if (earlier) {
      console.log(`${service} outbox lane ${lane} entry ${seq} was quarantined at ${earlier.at} by ${earlier.by}: ${earlier.reason}`);
      return;
    }
    const { lines, record } = await plan(admin, service, lane, seq);
    for (const line of lines) console.log(line);
    if (options.yes !== true) {
      console.log(
        `dry run: nothing changed. To quarantine it (never published; the relay steps over it and publishes what follows):\n` +
          `  waggle outbox quarantine ${service} ${lane} ${seq} --reason ${JSON.stringify(reason ?? 'why it can never be published')} --yes`,
      );
      return;
    }
    const recorded = await admin.quarantine({
      ...record,
      eventId: randomUUID(),
      reason: reason!,
      by: `${userInfo().username}@${hostname()}`,
      at: new Date().toISOString(),
    });
    console.log(
      recorded
        ? `quarantined: ${service} outbox lane ${lane} entry ${seq} (${reason}); the relay steps over it the next time it tries to publish it`
        : `${service} outbox lane ${lane} entry ${seq} was quarantined by someone else meanwhile; that record stands`,
    );
  } finally {
    await admin.close();
  }
};

/** `waggle outbox`: operator commands on a service's outbox, straight on its database (the service may be down). */
export const outboxCommand = (): Command => {
  const command = new Command('outbox').description("operate on a service's outbox lanes (in its MongoDB database)");
  command
    .command('quarantine')
    .description('step the relay over an outbox entry that can never be published (dry run unless --yes)')
    .argument('<service>', 'the service, e.g. bookings (its database, unless --database says otherwise)')
    .argument('<lane>', 'the outbox lane (waggle status shows the lane that waits, and why)')
    .argument('<seq>', 'the entry in the lane, after the lane cursor')
    .option('--reason <text>', 'why it can never be published; kept with the record (needed with --yes)')
    .option('--yes', 'record the quarantine (without it, only show what would be quarantined)')
    .option('--database <name>', "the service's MongoDB database (default: the service name, as MONGO_DB defaults)")
    .addHelpText(
      'after',
      `
The entry is never published: it is recorded in the service's outbox_quarantine collection as an
OutboxEntryQuarantined event with the reason, who and when, and the stream, versions and event types it held.
The relay holding the lane steps over it the next time it fails to publish it and publishes what follows.
MongoDB is found at MONGO_URL, as for \`waggle stack\`. Exit code 2 for bad arguments or an entry that is already
published, missing or holds nothing to publish.

Examples:
  $ waggle status                                    which lane waits, and why
  $ waggle outbox quarantine bookings 2 17           show the entry, change nothing
  $ waggle outbox quarantine bookings 2 17 --reason "refused by its schema (v3 without seatClass)" --yes`,
    )
    .action(quarantine);
  return command;
};
