import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { round, summarize, type Bench } from '@waggle/bench';
import { createConsumer, createProducer, createTopics, type Consumer, type Producer } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { createTaskWorker, sagaTopics } from '@waggle/task-worker';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { cpuSeconds, createStepClock, latencyLine, rssMiB, spawnTs, waitForLine } from './sagaBenchParts.ts';

const steps = 4;
const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, not ${process.env[name]}`);
  return value;
};
const rounds = number('WAGGLE_BENCH_SAGA_ROUNDS', 3);
const sequential = number('WAGGLE_BENCH_SAGA_SEQUENTIAL', 40);
const concurrency = number('WAGGLE_BENCH_SAGA_CONCURRENCY', 32);
const burst = number('WAGGLE_BENCH_SAGA_EXECUTIONS', 320);

/** Runs `total` chains, `width` at a time (closed loop); resolves with chains per second. */
const runChains = async (
  total: number,
  width: number,
  startChain: (chain: string) => Promise<void>,
  clock: ReturnType<typeof createStepClock>,
  tag: string,
) => {
  let next = 0;
  const began = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const chain = `${tag}-${next++}`;
      const last = clock.lastStep(chain);
      await startChain(chain);
      await last;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane));
  return total / ((performance.now() - began) / 1000);
};

/**
 * A four-step workflow with no-op workers over Kafka against a raw Kafka ping-pong chain of the same hops in the same
 * run (a process that consumes each reply and produces the next command, no state): the latency each step adds
 * (worker answer → next task command at the worker), p50/p99, executions/s at a fixed concurrency, as ratios, and the
 * coordinator's RSS at steady load. Medians and spread over WAGGLE_BENCH_SAGA_ROUNDS rounds.
 */
const bench: Bench = async (report, context) => {
  const { kafkaBrokers, schemaRegistryUrl, mongoUrl } = context.stack;
  const brokers = [kafkaBrokers];
  const run = uniqueName('bench-saga');
  const children: ChildProcess[] = [];
  const stoppable: { stop: () => Promise<void> }[] = [];
  try {
    // the baseline: driver (as worker) → commands → ping-pong process → replies → driver
    const pp = { commands: `${run}.pp.commands`, replies: `${run}.pp.replies` };
    await createTopics(brokers, [
      { topic: pp.commands, partitions: 3 },
      { topic: pp.replies, partitions: 3 },
    ]);
    const pingPong = spawnTs('saga-coordinator/bench/pingPong.ts', [kafkaBrokers, pp.replies, pp.commands, `${run}-pp`], {});
    children.push(pingPong);
    await waitForLine(pingPong, 'ready');
    const baseClock = createStepClock();
    const producer: Producer = createProducer({ brokers, clientId: `${run}-driver`, lingerMs: 0 });
    await producer.start();
    stoppable.push(producer);
    const driver: Consumer = createConsumer({
      brokers,
      groupId: `${run}-driver`,
      clientId: `${run}-driver`,
      topics: [pp.commands],
      fromBeginning: true,
      concurrency: 3,
      handle: async (record) => {
        const command = JSON.parse(record.value?.toString('utf8') ?? '{}') as { chain: string; step: number };
        baseClock.receipt(command.chain, command.step, steps);
        if (command.step < steps - 1)
          await producer.send([{ topic: pp.replies, key: command.chain, value: Buffer.from(JSON.stringify(command)) }]);
      },
    });
    await driver.start();
    stoppable.push(driver);
    const startBaseline = (chain: string) =>
      producer.send([{ topic: pp.commands, key: chain, value: Buffer.from(JSON.stringify({ chain, step: 0 })) }]);

    // the coordinator, as npm start runs it, with no-op workers on Kafka
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const coordinator = spawnTs('saga-coordinator/src/service/main.ts', [], {
      KAFKA_BROKERS: kafkaBrokers,
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      MONGO_URL: mongoUrl,
      MONGO_DB: run,
      PORT: String(port),
      SAGA_TOPIC_PREFIX: run,
      LOG_LEVEL: 'warn',
    });
    children.push(coordinator);
    await waitFor(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok, { timeoutMs: 60_000 });
    const post = async (path: string, body: unknown): Promise<string> => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
      return text;
    };
    const types = Array.from({ length: steps }, (_, i) => `bench_step_${i}`);
    await post(
      '/api/metadata/taskdefs',
      types.map((name) => ({ name, retryCount: 0, responseTimeoutSeconds: 600 })),
    );
    await post('/api/metadata/workflow', {
      name: 'bench4',
      version: 1,
      tasks: types.map((name) => ({
        name,
        taskReferenceName: name,
        type: 'SIMPLE',
        inputParameters: { chain: '${workflow.input.chain}' },
      })),
    });
    const sagaClock = createStepClock();
    const worker = createTaskWorker({
      brokers,
      serde: createAvroSerde({ registryUrl: schemaRegistryUrl, schemas: loadSchemas() }),
      logger: createLogger({ service: 'saga-bench-workers', level: 'warn' }),
      name: `${run}-workers`,
      topics: sagaTopics(run),
      handlers: types.map((taskType, step) => ({
        taskType,
        execute: (task) => {
          sagaClock.receipt(String(task.input['chain']), step, steps);
          return Promise.resolve({ status: 'COMPLETED' as const });
        },
      })),
    });
    await worker.start();
    stoppable.push(worker);
    const startSaga = async (chain: string) => {
      await post('/api/workflow/bench4', { chain });
    };

    const base = { latency: [] as number[][], rate: [] as number[] };
    const saga = { latency: [] as number[][], rate: [] as number[], rss: [] as number[], cpuMs: [] as number[] };
    // warm both paths (topic metadata, schema ids, JIT)
    await runChains(20, 4, startBaseline, baseClock, 'warm');
    await runChains(20, 4, startSaga, sagaClock, 'warm');
    for (let round = 0; round < rounds; round += 1) {
      for (const [clock, start, into] of [
        [baseClock, startBaseline, base],
        [sagaClock, startSaga, saga],
      ] as const) {
        clock.reset();
        await runChains(sequential, 1, start, clock, `r${round}-seq`);
        into.latency.push(clock.stepLatencies());
      }
      base.rate.push(await runChains(burst, concurrency, startBaseline, baseClock, `r${round}-burst`));
      const sampling = setInterval(() => {
        void rssMiB(coordinator.pid ?? 0).then((mib) => saga.rss.push(mib));
      }, 250);
      const cpuBefore = await cpuSeconds(coordinator.pid ?? 0);
      saga.rate.push(await runChains(burst, concurrency, startSaga, sagaClock, `r${round}-burst`));
      saga.cpuMs.push((((await cpuSeconds(coordinator.pid ?? 0)) - cpuBefore) * 1000) / burst);
      clearInterval(sampling);
    }
    const medianOf = (rows: number[][], pick: (line: ReturnType<typeof latencyLine>) => number): number =>
      summarize(rows.map((r) => pick(latencyLine(r)))).median;
    for (const [name, side] of [
      ['Kafka ping-pong chain (baseline), 4 hops', base],
      ['saga coordinator, 4-step workflow, no-op workers over Kafka', saga],
    ] as const) {
      report({
        case: `${name}: latency per step, sequential`,
        unit: 'ms',
        p50PerRound: side.latency.map((r) => latencyLine(r).p50),
        p99PerRound: side.latency.map((r) => latencyLine(r).p99),
        p50: medianOf(side.latency, (l) => l.p50),
        p99: medianOf(side.latency, (l) => l.p99),
      });
      const rate = summarize(side.rate);
      report({
        case: `${name}: chains/s at concurrency ${concurrency}`,
        unit: 'chains/s',
        median: round(rate.median),
        min: round(rate.min),
        max: round(rate.max),
        n: rate.n,
      });
    }
    report({
      case: 'saga coordinator / baseline',
      stepP50Ratio: round(medianOf(saga.latency, (l) => l.p50) / medianOf(base.latency, (l) => l.p50)),
      stepP99Ratio: round(medianOf(saga.latency, (l) => l.p99) / medianOf(base.latency, (l) => l.p99)),
      addedP50Ms: round(medianOf(saga.latency, (l) => l.p50) - medianOf(base.latency, (l) => l.p50)),
      throughputRatio: round(summarize(saga.rate).median / summarize(base.rate).median),
    });
    const cpu = summarize(saga.cpuMs);
    report({
      case: 'saga coordinator CPU per execution (4 steps) at concurrency',
      unit: 'ms',
      median: round(cpu.median),
      min: round(cpu.min),
      max: round(cpu.max),
      n: cpu.n,
      loadAverage: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
    });
    const rss = summarize(saga.rss);
    report({
      case: 'saga coordinator RSS at steady load',
      unit: 'MiB',
      median: round(rss.median),
      min: round(rss.min),
      max: round(rss.max),
      n: rss.n,
    });
  } finally {
    for (const part of stoppable.reverse()) await part.stop().catch(() => undefined);
    for (const child of children) child.kill('SIGTERM');
  }
};

export default bench;
