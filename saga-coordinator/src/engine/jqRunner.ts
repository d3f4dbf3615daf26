import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Evaluation } from './scriptEvaluator.ts';
import { toJqProgram } from './toJqProgram.ts';

export type JqLimits = { readonly timeoutMs: number; readonly memoryMb: number };

export const defaultJqLimits: JqLimits = { timeoutMs: 4000, memoryMb: 64 };

// jq-wasm only offers a Promise API; it runs in a worker and the caller blocks on a shared flag, so evaluation is
// synchronous for the decider and bounded in time (a runaway program costs its worker, which is replaced)
const workerSource = `
const { workerData } = require('node:worker_threads');
const jq = require(workerData.jqPath);
const { port, flag } = workerData;
const done = (reply) => { port.postMessage(reply); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
port.on('message', ({ query, input }) => {
  jq.raw(input, query, ['-c']).then(
    (out) => done({ ok: true, lines: out === '' ? [] : out.split('\\n') }),
    (error) => done({ ok: false, error: String(error && error.message ? error.message : error) }),
  );
});
`;

type Reply = { readonly ok: true; readonly lines: readonly string[] } | { readonly ok: false; readonly error: string };

type Lane = { readonly worker: Worker; readonly port: MessagePort; readonly flag: Int32Array };

const cleanError = (error: string): string => error.replace(/^Failed to execute raw query: /, '');

/** jq (jq-wasm: jq built to WebAssembly) behind a synchronous call with a time limit and a heap limit. */
export const createJqRunner = (limits: JqLimits = defaultJqLimits) => {
  const jqPath = createRequire(import.meta.url).resolve('jq-wasm');
  const start = (): Lane => {
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(workerSource, {
      eval: true,
      env: {},
      workerData: { jqPath, port: port2, flag },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
    });
    worker.unref();
    return { worker, port: port1, flag };
  };
  // started on the first query: a coordinator whose workflows have no JSON_JQ_TRANSFORM keeps no worker (~11 MB)
  let started: Lane | undefined;

  const ask = (query: string, input: unknown): Reply | undefined => {
    const lane = (started ??= start());
    Atomics.store(lane.flag, 0, 0);
    lane.port.postMessage({ query, input: JSON.stringify(input ?? null) });
    const waited = Atomics.wait(lane.flag, 0, 0, limits.timeoutMs);
    if (waited === 'timed-out') {
      void lane.worker.terminate();
      started = undefined;
      return undefined;
    }
    return receiveMessageOnPort(lane.port)?.message as Reply | undefined;
  };

  const evaluateJq = (query: string, input: unknown): Evaluation<readonly unknown[]> => {
    const reply = ask(toJqProgram(query), input);
    if (reply === undefined)
      return { ok: false, error: `jq query not evaluated within ${limits.timeoutMs / 1000} seconds`, timedOut: true };
    if (!reply.ok) return { ok: false, error: cleanError(reply.error), timedOut: false };
    return { ok: true, value: reply.lines.map((line) => JSON.parse(line) as unknown) };
  };

  return { evaluateJq, close: async (): Promise<void> => void (await started?.worker.terminate()) };
};
