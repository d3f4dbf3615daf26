import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a CLI run ended. */
export type CliRun = { readonly code: number; readonly stdout: string; readonly stderr: string };

const waggleBin = fileURLToPath(new URL('../../cli/bin/waggle.js', import.meta.url));

/** Runs the `waggle` binary as a user would, in a child process, and resolves with its exit code and output. */
export const runCli = (
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliRun> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [waggleBin, ...args],
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
