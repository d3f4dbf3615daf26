import { Command, Option } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { callReplayApi, readModelNames, readStatus, type StartedReplay, type VerificationReport } from './replayCommandClient.ts';
import { createReplayProgressView } from './replayCommandProgress.ts';
import { formatStatus, formatVerification } from './replayCommandReport.ts';

type ReplayOptions = {
  fromStore?: string;
  switch: boolean;
  requireEqual?: boolean;
  lagThreshold?: string;
  json?: boolean;
  detach?: boolean;
};

const pollMs = 500;
// a restarted service resumes the rebuild by itself; the CLI waits this long for it to answer again
const unreachableForMs = 120_000;

const parseLag = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const lag = Number(text);
  if (!Number.isSafeInteger(lag) || lag < 0)
    throw new CliError(`--lag-threshold must be a non-negative integer, got ${text}`, exitCodes.usage);
  return lag;
};

/** Follows a rebuild until it switched, stopped at caught-up, or was refused; Ctrl-C pauses it (its offsets are kept). */
const follow = async (name: string, version: number, json: boolean): Promise<void> => {
  const view = createReplayProgressView({ json });
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  let unreachableSince: number | undefined;
  try {
    for (;;) {
      if (interrupted) {
        view.stop();
        await callReplayApi(name, 'POST', '/pause');
        const message = `paused v${version} of ${name} where it is (its offsets are kept); \`waggle replay ${name}\` resumes it`;
        if (json) console.log(JSON.stringify({ paused: version }));
        else console.error(message);
        process.exitCode = exitCodes.failure;
        return;
      }
      const status = await readStatus(name, { brief: true }).then(
        (answer) => {
          unreachableSince = undefined;
          return answer;
        },
        (error: unknown) => {
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince > unreachableForMs) throw error;
          if (!json) console.error(`${(error as Error).message}; waiting for it (a restarted service resumes the rebuild)`);
          return undefined;
        },
      );
      const record = status?.versions.find((v) => v.version === version);
      if (status !== undefined && record === undefined) throw new CliError(`${name} no longer knows version ${version}`, exitCodes.failure);
      if (status?.progress?.version === version) view.update(status.progress.partitions);
      if (record !== undefined && record.state !== 'building' && record.state !== 'paused') {
        view.stop();
        const report = record.verification;
        if (json)
          console.log(JSON.stringify({ version, state: record.state, serving: status?.pointer.version, verification: report ?? null }));
        else {
          if (report !== undefined) console.log(formatVerification(report));
          console.log(
            record.state === 'serving'
              ? `switched: ${name} serves v${version} (v${status?.pointer.previous ?? '?'} is kept for \`waggle replay rollback ${name}\`)`
              : `v${version} of ${name} is ${record.state}: ${record.note ?? ''}`,
          );
        }
        if (record.state === 'ready' && report !== undefined && !report.equal && record.settings.requireEqual)
          process.exitCode = exitCodes.failure;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
};

const replay = async (name: string | undefined, options: ReplayOptions): Promise<void> => {
  if (name === undefined) throw new CliError(`name the read model to rebuild: ${readModelNames().join(', ')}`, exitCodes.usage);
  const lagThreshold = parseLag(options.lagThreshold);
  const started = await callReplayApi<StartedReplay>(name, 'POST', '', {
    ...(options.fromStore === undefined ? {} : { fromStore: options.fromStore }),
    switch: options.switch,
    requireEqual: options.requireEqual === true,
    ...(lagThreshold === undefined ? {} : { lagThreshold }),
  });
  const source = started.source.kind === 'store' ? `the ${started.source.context} event store, then its topics` : 'its topics';
  if (options.json !== true)
    console.error(
      `${started.resumed === true ? 'resuming' : 'rebuilding'} ${name} as v${started.version} from ${source} (group ${started.groupId})`,
    );
  if (options.detach === true) {
    if (options.json === true) console.log(JSON.stringify(started));
    return;
  }
  await follow(name, started.version, options.json === true);
};

// `--json` after a subcommand is taken by `replay` itself, which has one too
const wantsJson = (command: Command): boolean => command.optsWithGlobals<{ json?: boolean }>().json === true;

const status = async (name: string | undefined, _options: unknown, command: Command): Promise<void> => {
  const json = wantsJson(command);
  const statuses = await Promise.all((name === undefined ? readModelNames() : [name]).map((n) => readStatus(n)));
  console.log(json ? JSON.stringify(name === undefined ? statuses : statuses[0], null, 2) : formatStatus(statuses));
};

const rollback = async (name: string): Promise<void> => {
  const { from, to } = await callReplayApi<{ from: number; to: number }>(name, 'POST', '/rollback');
  console.log(`rolled back: ${name} serves v${to} again (v${from} is kept as the previous version)`);
};

const discard = async (name: string): Promise<void> => {
  const { version } = await callReplayApi<{ version: number }>(name, 'POST', '/discard');
  console.log(`discarded v${version} of ${name}: its collections are dropped; the serving version is unchanged`);
};

const switchNow = async (name: string, options: { json?: boolean }): Promise<void> => {
  const report = await callReplayApi<VerificationReport>(name, 'POST', '/switch');
  console.log(
    options.json === true
      ? JSON.stringify(report, null, 2)
      : `${formatVerification(report)}\nswitched: ${name} serves v${report.candidateVersion}`,
  );
};

/** `waggle replay`: blue/green rebuilds of read models, with progress, verification at the switch and rollback. */
export const replayCommand = (): Command => {
  const command = new Command('replay')
    .description('rebuild a read model into a new version beside the serving one, then switch to it')
    .argument('[read-model]', `the read model: ${readModelNames().join(', ')}`)
    .option('--from-store <context>', "read history from a context's event store (when the topics no longer hold it)")
    .option('--no-switch', 'stop once caught up, for inspection (then: waggle replay switch)')
    .option('--require-equal', 'refuse the switch unless both versions are equal')
    .addOption(new Option('--lag-threshold <records>', 'caught up at this lag or less (default: the service setting, 500)'))
    .option('--detach', 'start it and return; `waggle replay status` follows it')
    .option('--json', 'progress and outcome as JSON lines, for scripts')
    .addHelpText(
      'after',
      `
The serving version keeps answering and keeps up while the new one is built from the beginning of the topics
with a consumer group of its own. Once caught up, both are held at the same offsets and compared (document count
and content hash per part of the key space, with examples of what differs), and the API switches between one
request and the next. The previous version is kept (and kept up) for REPLAY_KEEP_PREVIOUS_MS, 24 h by default.
Ctrl-C pauses the rebuild (offsets kept; run again to resume); a service restart resumes it by itself.
Contexts' reactions and sagas are never replayed: they issue commands.

Examples:
  $ waggle replay flight-search
  $ waggle replay customer-bookings --no-switch          build, compare at caught-up, do not switch
  $ waggle replay flight-search --from-store flights     when retention deleted the topic's first records
  $ waggle replay status
  $ waggle replay rollback flight-search`,
    )
    .action(replay);
  command
    .command('status')
    .description('versions of each read model: offsets, lag, size, which one serves')
    .argument('[read-model]')
    .option('--json')
    .action(status);
  command.command('rollback').description('serve the previous version again').argument('<read-model>').action(rollback);
  command
    .command('discard')
    .description('drop a rebuild under way, paused or waiting for its switch')
    .argument('<read-model>')
    .action(discard);
  command
    .command('switch')
    .description('verify and switch to a version that caught up and waits (after --no-switch or a refused switch)')
    .argument('<read-model>')
    .option('--json')
    .action(switchNow);
  return command;
};
