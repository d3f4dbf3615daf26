import { setTimeout as delay } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { percentile, round, type Bench } from '@waggle/bench';
import { createTailReader } from '@waggle/kafka-bus';
import { loadStackConfig, stackStatus } from '@waggle/stack';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { launchServices, topicsOf, waggleServices, type Launched } from '../src/index.ts';
import { runBookingLoad, type BookingTiming } from './bookingLoad.ts';
import { bookingPathStages } from './bookingPathStages.ts';
import { kafkaEndToEnd } from './kafkaEndToEnd.ts';
import { cpuSeconds, rssMiB } from './processStats.ts';

const seconds = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of seconds, not ${process.env[name]}`);
  return value;
};
const loadSeconds = seconds('WAGGLE_BENCH_PIPELINE_SECONDS', 60);
const idleSeconds = seconds('WAGGLE_BENCH_PIPELINE_IDLE_SECONDS', 60);
const idleWarmupSeconds = seconds('WAGGLE_BENCH_PIPELINE_IDLE_WARMUP_SECONDS', 15);
const settleSeconds = seconds('WAGGLE_BENCH_PIPELINE_SETTLE_SECONDS', 10);
const drainSeconds = seconds('WAGGLE_BENCH_PIPELINE_DRAIN_SECONDS', 120);
const rates = (process.env['WAGGLE_BENCH_PIPELINE_RATES'] ?? '25,50,100').split(',').map(Number);
/** A folder: every service writes its V8 CPU profile there (`<dir>/<service>/*.cpuprofile`) when it stops. */
const profileDir = process.env['WAGGLE_BENCH_PIPELINE_PROFILE'];
const flights = 20;

/**
 * Kafka hops from the POST to customer-bookings, each a produce and a consume, now that the book-flight saga decides:
 * BookingRequested (bookings relay → the coordinator's event handler), hold_seats (task command → flights, result →
 * coordinator), authorize_payment (→ payments, → coordinator), confirm_booking (→ bookings), then BookingConfirmed
 * (bookings relay → customer-bookings). A rejection for lack of seats takes the failure workflow's reject_booking
 * instead. The Kafka outcome time is the produce of BookingConfirmed / BookingRejected.
 */
const kafkaHops = 7;

const loadAverage = async (): Promise<string> => (await promisify(execFile)('uptime')).stdout.trim().replace(/^.*load average: /, '');

const date = '2027-06-01';

/**
 * The booking path end to end on the four services as the launcher starts them (own topics, databases and ports,
 * so a running dev system is untouched): latency per fixed booking rate against Kafka's EndToEndLatency times the
 * hops, the CPU of every process with no traffic, and each service's RSS at steady load.
 */
const bench: Bench = async (report, context) => {
  const { kafkaBrokers, schemaRegistryUrl, mongoUrl } = context.stack;
  const e2e = await kafkaEndToEnd(await context.kafkaClasspath(), kafkaBrokers, 2000, 500);
  const target = 4 * (e2e.p99 + 20);
  report({
    case: 'Kafka EndToEndLatency (baseline), 2000 records of 500 bytes, acks=all',
    unit: 'ms',
    p50: e2e.p50,
    p99: e2e.p99,
    p999: e2e.p999,
    avg: round(e2e.avg),
    hops: kafkaHops,
    hopsTimesP99: kafkaHops * e2e.p99,
    target: `booking p99 ≤ 4 × (${e2e.p99} + 20) = ${target} ms; p99 ≤ 1000 ms at 25/s`,
    loadAverage: await loadAverage(),
  });

  const run = uniqueName('bench-pipeline');
  const bookingsTopic = topicsOf(run).BOOKINGS_TOPIC;
  const specs = [];
  for (const spec of waggleServices)
    specs.push({
      ...spec,
      port: await freePort(),
      env: { ...spec.env, MONGO_DB: `${run}-${spec.name}`, GROUP_ID: `${run}-${spec.name}` },
      ...(profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${spec.name}`] }),
    });
  const system: Launched = await launchServices(specs, {
    env: {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers,
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      MONGO_URL: mongoUrl,
      ...topicsOf(run),
      LOG_LEVEL: 'warn',
    },
    write: (line) => console.error(line),
    colour: false,
    readyTimeoutMs: 180_000,
  });
  const decided = new Map<string, number>();
  const tail = createTailReader({
    brokers: kafkaBrokers,
    topic: bookingsTopic,
    clientId: 'bench-pipeline',
    onRecord: (record) => {
      // ce_type is the Avro full name (waggle.bookings.BookingConfirmed): the last part is the event type
      const type = record.headers['ce_type']?.toString().split('.').at(-1);
      if ((type === 'BookingConfirmed' || type === 'BookingRejected') && record.key) decided.set(record.key.toString(), record.timestamp);
    },
  });
  try {
    const url = (name: string): string => system.services.find((s) => s.name === name)?.url ?? '';
    const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const flightIds: string[] = [];
    for (let f = 0; f < flights; f++) {
      const flightNumber = `BP${100 + f}`;
      const answer = await post(`${url('flights')}/api/v1/flights`, {
        flightNumber,
        date,
        origin: 'FRA',
        destination: 'JFK',
        departureTime: `${date}T10:00:00Z`,
        capacity: 1000,
        fareCents: 45_000,
        currency: 'EUR',
      });
      if (answer.status !== 202) throw new Error(`scheduling ${flightNumber} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      flightIds.push(`${flightNumber}-${date}`);
    }
    for (const flightId of flightIds)
      await waitFor(async () => (await fetch(`${url('flight-search')}/api/v1/flights/${flightId}`)).status === 200, {
        timeoutMs: 60_000,
        description: `${flightId} in flight-search`,
      });
    // the tail reader has its partitions before the first booking, so it sees every outcome
    await tail.start();

    let customers = 0;
    const book = async (index: number): Promise<{ bookingId?: string; failed?: string }> => {
      const customerId = `${run}-c${customers++}`;
      try {
        const answer = await post(`${url('bookings')}/api/v1/bookings`, {
          customerId,
          flightId: flightIds[index % flights],
          passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
        });
        return answer.status === 202
          ? { bookingId: String(answer.body['bookingId']) }
          : { failed: `${answer.status} ${JSON.stringify(answer.body)}` };
      } catch (error) {
        return { failed: error instanceof Error ? error.message : String(error) };
      }
    };
    const isVisible = async (bookingId: string): Promise<boolean> => {
      const response = await fetch(`${url('customer-bookings')}/api/v1/bookings/${bookingId}`, { signal: AbortSignal.timeout(5_000) });
      if (response.status !== 200) return false;
      const { status } = (await response.json()) as { status?: string };
      return status === 'confirmed' || status === 'rejected';
    };
    const loadRun = async (rate: number, duration: number, onLoadEnd: () => Promise<void> = async () => {}) =>
      runBookingLoad({ rate, seconds: duration, drainSeconds, book, decided, isVisible, onLoadEnd });

    // warm-up: connections, schemas, first snapshots; not measured
    await loadRun(5, 2);

    const stack = (await stackStatus(loadStackConfig())).filter((s) => s.pid !== undefined);
    const processes = [
      ...system.services.map((s) => ({ name: s.name, pid: s.child.pid ?? 0 })),
      ...stack.map((s) => ({ name: `stack:${s.name}`, pid: s.pid ?? 0 })),
    ];
    await delay(idleWarmupSeconds * 1000);
    const before = await Promise.all(processes.map((p) => cpuSeconds(p.pid)));
    const idleStart = performance.now();
    await delay(idleSeconds * 1000);
    const after = await Promise.all(processes.map((p) => cpuSeconds(p.pid)));
    const elapsed = (performance.now() - idleStart) / 1000;
    const cores = processes.map((p, i) => ({ name: p.name, cores: round(((after[i] ?? 0) - (before[i] ?? 0)) / elapsed) }));
    const servicesCores = cores.slice(0, system.services.length).reduce((sum, c) => sum + c.cores, 0);
    const total = cores.reduce((sum, c) => sum + c.cores, 0);
    report({
      case: `idle cost after ${idleWarmupSeconds} s with no traffic, over ${round(elapsed)} s`,
      unit: 'cores (CPU s per s; × 60 = CPU s per minute)',
      total: round(total),
      services: round(servicesCores),
      perProcess: Object.fromEntries(cores.map((c) => [c.name, c.cores])),
      target: 'total ≤ 0.1',
      loadAverage: await loadAverage(),
    });

    /** Where the backlog sits: each consumer group's lag and each service's outbox backlog, from `/status`. */
    const backlog = async (): Promise<Record<string, number>> => {
      const where: Record<string, number> = {};
      for (const service of system.services) {
        type Status = { outbox?: { lanes?: { backlog?: number }[] }; consumers?: { group: string; partitions?: { lag: number }[] }[] };
        const status = (await (await fetch(`${service.url}/status`, { signal: AbortSignal.timeout(5_000) })).json()) as Status;
        const lanes = status.outbox?.lanes ?? [];
        if (lanes.length > 0) where[`${service.name} outbox`] = lanes.reduce((sum, lane) => sum + (lane.backlog ?? 0), 0);
        for (const consumer of status.consumers ?? [])
          where[consumer.group.replace(`${run}.`, '').replace(`${run}-`, '')] = (consumer.partitions ?? []).reduce(
            (sum, p) => sum + p.lag,
            0,
          );
      }
      return where;
    };

    for (const [index, rate] of rates.entries()) {
      let rss: Record<string, number> = {};
      let backlogAtEnd: Record<string, number> = {};
      let loadCores: Record<string, number> = {};
      const cpuBefore = await Promise.all(processes.map((p) => cpuSeconds(p.pid)));
      const loadStart = performance.now();
      const result = await loadRun(rate, loadSeconds, async () => {
        const cpuAfter = await Promise.all(processes.map((p) => cpuSeconds(p.pid)));
        const loadElapsed = (performance.now() - loadStart) / 1000;
        loadCores = Object.fromEntries(processes.map((p, i) => [p.name, round(((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / loadElapsed)]));
        const sizes = await Promise.all(system.services.map((s) => rssMiB(s.child.pid ?? 0)));
        rss = Object.fromEntries(system.services.map((s, i) => [s.name, round(sizes[i] ?? 0)]));
        backlogAtEnd = await backlog().catch((error: unknown) => ({ [`unknown: ${String(error)}`]: -1 }));
      });
      const since = (at: number | undefined, t: BookingTiming) => (at === undefined ? [] : [at - t.sentAt]);
      const decidedMs = result.timings.flatMap((t) => since(t.decidedAt, t));
      const visibleMs = result.timings.flatMap((t) => since(t.visibleAt, t));
      const acceptedMs = result.timings.flatMap((t) => since(t.acceptedAt, t));
      const failed = result.timings.filter((t) => t.failed !== undefined);
      const lastOutcome = Math.max(...result.timings.map((t) => t.visibleAt ?? 0));
      const unsettled = result.timings.filter((t) => t.failed === undefined && t.visibleAt === undefined).length;
      const settled = unsettled === 0 && lastOutcome - result.lastSentAt <= settleSeconds * 1000;
      const stats = (samples: number[]) =>
        samples.length === 0
          ? {}
          : {
              p50: round(percentile(samples, 50)),
              p90: round(percentile(samples, 90)),
              p99: round(percentile(samples, 99)),
              max: round(Math.max(...samples)),
            };
      const visible = stats(visibleMs);
      report({
        case: `booking latency, ${rate}/s for ${loadSeconds} s over ${flights} flights, POST → customer-bookings shows it decided`,
        unit: 'ms',
        ...visible,
        n: visibleMs.length,
        kafkaOutcome: { ...stats(decidedMs), n: decidedMs.length },
        accepted202: stats(acceptedMs),
        requests: result.timings.length,
        failedRequests: failed.length,
        ...(failed[0] ? { firstFailure: failed[0].failed } : {}),
        sentRate: round(result.timings.length / ((result.lastSentAt - result.firstSentAt) / 1000)),
        decidedRate: round(visibleMs.length / ((Math.max(lastOutcome, result.lastSentAt) - result.firstSentAt) / 1000)),
        settled,
        settleSeconds,
        lastOutcomeAfterLastRequestS: visibleMs.length === 0 ? null : round((lastOutcome - result.lastSentAt) / 1000),
        unsettled,
        rssMiB: rss,
        coresUnderLoad: { total: round(Object.values(loadCores).reduce((sum, c) => sum + c, 0)), ...loadCores },
        backlogAtLastRequest: backlogAtEnd,
        baseline: `${kafkaHops} hops × Kafka e2e p99 ${e2e.p99} ms`,
        baselineP99: kafkaHops * e2e.p99,
        ratio: visible.p99 === undefined ? null : round(visible.p99 / (kafkaHops * e2e.p99)),
        target: rate === 25 ? `p99 ≤ 1000 and ≤ ${target}` : `p99 ≤ ${target}`,
        loadAverage: await loadAverage(),
      });
      const bookingIds = new Set(result.timings.flatMap((t) => (t.bookingId === undefined ? [] : [t.bookingId])));
      report({
        case: `booking path by stage, ${rate}/s: publish = made → on Kafka, react = its cause on Kafka → made`,
        unit: 'ms',
        stages: await bookingPathStages(kafkaBrokers, run, bookingIds),
      });
      if (unsettled > 0) {
        // the backlog is still there: a higher rate would measure this one's leftovers, not itself
        for (const skipped of rates.slice(index + 1))
          report({ case: `booking latency, ${skipped}/s`, skipped: `${rate}/s did not drain within ${drainSeconds} s` });
        break;
      }
    }
  } finally {
    await tail.stop();
    await system.stop();
  }
};

export default bench;
