import { StackConfigError, StackError } from '@waggle/stack';
import { Command, CommanderError } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { stackCommand } from './stackCommand.ts';

const program = new Command('waggle')
  .description('waggle: event-driven choreography on Apache Kafka with event sourcing')
  .addCommand(stackCommand())
  .addHelpText(
    'after',
    `
Examples:
  $ waggle stack up          start Kafka, the schema registry and MongoDB locally (no Docker)
  $ waggle stack status      what runs, its pid and memory, whether it answers
  $ eval "$(waggle stack env)"
  $ waggle stack down

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
  if (error instanceof StackConfigError) return exitCodes.usage;
  if (error instanceof StackError) return exitCodes.failure;
  return exitCodes.failure;
};

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version are "errors" to commander; usage mistakes have already been printed by it
    process.exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  } else {
    const known = error instanceof CliError || error instanceof StackError || error instanceof StackConfigError;
    console.error(`waggle: ${known ? (error as Error).message : String((error as Error).stack ?? error)}`);
    process.exitCode = exitCodeOf(error);
  }
}
