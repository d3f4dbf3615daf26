import { StackConfigError, StackError } from '@waggle/stack';
import { Command, CommanderError } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { stackCommand } from './stackCommand.ts';

const program = new Command('waggle')
  .description('waggle: event-driven choreography on Apache Kafka with event sourcing')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addCommand(stackCommand());

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
