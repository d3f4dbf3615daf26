// Avro (avsc) against JSON on waggle's own schemas: what the binary encoding costs or saves per event.
import { loadSchemas } from '@waggle/schemas';
import avro from 'avsc';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

const rounds = 7;
const operationsPerRound = 20_000;

const samples: Readonly<Record<string, unknown>> = {
  'waggle.bookings.BookingRequested': {
    bookingId: 'B-9f2c1e',
    customerId: 'C-000731',
    flightId: 'LH400-2026-12-01',
    passengers: [
      { firstName: 'Ada', lastName: 'Lovelace' },
      { firstName: 'Alan', lastName: 'Turing' },
    ],
    seats: 2,
  },
  'waggle.flights.FlightScheduled': {
    flightId: 'LH400-2026-12-01',
    flightNumber: 'LH400',
    date: '2026-12-01',
    origin: 'FRA',
    destination: 'JFK',
    departureTime: '2026-12-01T10:05:00+01:00',
    capacity: 180,
    fareCents: 64_900,
    currency: 'EUR',
  },
};

/** Operations per second of each round, after one round of warm-up. */
const measure = async (operation: () => number): Promise<number[]> => {
  let sink = 0;
  const perSecond: number[] = [];
  for (let round = -1; round < rounds; round++) {
    const began = process.hrtime.bigint();
    for (let i = 0; i < operationsPerRound; i++) sink += operation();
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    if (round >= 0) perSecond.push(operationsPerRound / seconds);
    // let timers and I/O of the runner through between rounds
    await yieldToLoop();
  }
  // the sink keeps the optimizer from dropping the work
  if (sink < 0) throw new Error('unreachable');
  return perSecond;
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const round = (value: number): number => Math.round(value);

/** The codec benchmark: avsc encode/decode against JSON.stringify/JSON.parse, one report line per case. */
export default async function run(report: (line: Record<string, unknown>) => void): Promise<void> {
  const schemas = loadSchemas();
  for (const [fullName, data] of Object.entries(samples)) {
    const schema = schemas.find((s) => s.fullName === fullName);
    if (schema === undefined) throw new Error(`no schema ${fullName}`);
    const type = avro.Type.forSchema(schema.schema as avro.Schema);
    const avroBytes = type.toBuffer(data);
    const json = JSON.stringify(data);
    const cases = [
      {
        name: `encode ${schema.type}`,
        avro: () => type.toBuffer(data).length,
        baseline: 'JSON.stringify',
        json: () => JSON.stringify(data).length,
      },
      {
        name: `decode ${schema.type}`,
        avro: () => (type.fromBuffer(avroBytes) === undefined ? 0 : 1),
        baseline: 'JSON.parse',
        json: () => (JSON.parse(json) === undefined ? 0 : 1),
      },
    ];
    for (const benchCase of cases) {
      const measured = await measure(benchCase.avro);
      const baselineMedian = median(await measure(benchCase.json));
      report({
        bench: 'codec',
        case: benchCase.name,
        unit: 'ops/s',
        median: round(median(measured)),
        min: round(Math.min(...measured)),
        max: round(Math.max(...measured)),
        n: rounds,
        baseline: benchCase.baseline,
        baselineMedian: round(baselineMedian),
        ratio: Number((median(measured) / baselineMedian).toFixed(2)),
        avroBytes: avroBytes.length,
        jsonBytes: Buffer.byteLength(json),
      });
    }
  }
}
