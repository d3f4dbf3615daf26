import { ValidationError, WaggleError } from '@waggle/errors';
import { StackConfigError, StackError } from '@waggle/stack';
import { Command, CommanderError } from 'commander';
import { demoCommand } from './demoCommand.ts';
import { dlqCommand } from './dlqCommand.ts';
import { lakeCommand } from './lakeCommand.ts';
import { CliError, exitCodes } from './exitCodes.ts';
import { outboxCommand } from './outboxCommand.ts';
import { produceCommand } from './produceCommand.ts';
import { groupsCommand } from './groupsCommand.ts';
import { replayCommand } from './replayCommand.ts';
import { sagaCommand } from './sagaCommand.ts';
import { schemasCommand } from './schemasCommand.ts';
import { startCommand } from './startCommand.ts';
import { stackCommand } from './stackCommand.ts';
import { statusCommand } from './statusCommand.ts';
import { tailCommand } from './tailCommand.ts';
import { topicsCommand } from './topicsCommand.ts';
import { workflowsCommand } from './workflowsCommand.ts';

const program = new Command('waggle')
  .description('waggle: event-driven choreography on Apache Kafka with event sourcing')
  .addCommand(startCommand())
  .addCommand(demoCommand())
  .addCommand(statusCommand())
  .addCommand(outboxCommand())
  .addCommand(dlqCommand())
  .addCommand(lakeCommand())
  .addCommand(stackCommand())
  .addCommand(produceCommand())
  .addCommand(tailCommand())
  .addCommand(topicsCommand())
  .addCommand(replayCommand())
  .addCommand(groupsCommand())
  .addCommand(schemasCommand())
  .addCommand(workflowsCommand())
  .addCommand(sagaCommand())
  .addHelpText(
    'after',
    `
Examples:
  $ waggle start             the whole system: the local stack and every service (what npm start runs)
  $ waggle demo              seed example flights and bookings into a running system
  $ waggle status            each service's outbox lanes and consumer lag; exit 1 when something is wrong
  $ waggle stack up          start Kafka, the schema registry and MongoDB locally (no Docker)
  $ waggle stack status      what runs, its pid and memory, whether it answers
  $ eval "$(waggle stack env)"
  $ waggle stack down
  $ waggle produce try.bookings --create-topic --type BookingRequested --file bookings.jsonl
                             validate every record against its registered schema, then produce them all
                             (a context's own topic, such as bookings.events, only with --force)
  $ waggle tail bookings.events --from-beginning --type BookingConfirmed
                             decoded records with their headers (--json for scripts, --max N to stop)
  $ waggle dlq list bookings.events
                             dead letters of a topic, and which keys are parked behind them
  $ waggle dlq redrive bookings.events --key b-42 --yes
                             put a parked key's records back on their topic, in order, after a fix
  $ waggle topics            topics with partitions, message counts and end offsets
  $ waggle lake query types-per-day
                             SQL over every event in the data lake (Parquet, DuckDB); also lake verify, lake compact
  $ waggle schemas           registered subjects, and local schemas not registered yet
  $ waggle replay flight-search
                             rebuild a read model beside the serving one, verify, switch; replay status, rollback
  $ waggle groups reset flight-search --to earliest --dry-run
                             move a stopped consumer group's offsets (earliest, latest, a time, given offsets)
  $ waggle workflows register book-flight.json
                             register a Conductor workflow definition on the saga coordinator (also validate, list)
  $ waggle saga start book-flight --input '{"bookingId":"b-1"}' --idempotency-key b-1
                             start a saga; saga list, show, pause, resume, terminate, retry, rerun, restart, skip

Kafka and the registry are found through KAFKA_BROKERS and SCHEMA_REGISTRY_URL, as for \`waggle stack\`.
Exit codes: 0 ok, 1 failure, 2 bad usage or input.`,
  );

// commander copies these settings only to subcommands made with .command(), so set them on every level
const configure = (command: Command): void => {
  command.exitOverride().showHelpAfterError('(run with --help for usage)');
  command.commands.forEach(configure);
};
configure(program);

const exitCodeOf = (error: unknown): number => {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof StackConfigError || error instanceof ValidationError) return exitCodes.usage;
  return exitCodes.failure;
};

// these carry messages written for people; anything else is a bug, and its stack helps whoever reports it
const isKnown = (error: unknown): error is Error =>
  error instanceof CliError || error instanceof StackError || error instanceof StackConfigError || error instanceof WaggleError;

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version are "errors" to commander; usage mistakes have already been printed by it
    process.exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  } else {
    console.error(`waggle: ${isKnown(error) ? error.message : String((error as Error).stack ?? error)}`);
    process.exitCode = exitCodeOf(error);
  }
}
