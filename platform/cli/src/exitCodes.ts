/** waggle's exit codes: 0 ok, 1 failure, 2 bad usage or input. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/** An error whose message is meant for the user as it is, with the exit code to leave with. */
export class CliError extends Error {
  readonly retriable = false;
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}
