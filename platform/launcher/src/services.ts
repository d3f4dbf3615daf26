import { fileURLToPath } from 'node:url';

/** One of waggle's processes, as the launcher starts it. */
export type ServiceSpec = {
  readonly name: string;
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  readonly port: number;
  /** What a newcomer opens first. */
  readonly try: string;
  /** Settings of this service only (its database, say), on top of the shared environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags NODE_OPTIONS refuses (`--cpu-prof`), before the service's entry. */
  readonly nodeArgs?: readonly string[];
};

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The example system: the airline's bounded contexts, its projections and the saga coordinator, each its own process. */
export const waggleServices: readonly ServiceSpec[] = [
  { name: 'flights', entry: 'contexts/flights/src/main.ts', port: 3101, try: 'POST /api/v1/flights' },
  { name: 'bookings', entry: 'contexts/bookings/src/main.ts', port: 3102, try: 'POST /api/v1/bookings' },
  { name: 'payments', entry: 'contexts/payments/src/main.ts', port: 3103, try: 'GET /api/v1/payments/{bookingId}' },
  { name: 'loyalty', entry: 'contexts/loyalty/src/main.ts', port: 3104, try: 'GET /api/v1/accounts/{customerId}' },
  { name: 'check-in', entry: 'contexts/check-in/src/main.ts', port: 3105, try: 'GET /api/v1/check-in/{bookingId}' },
  {
    name: 'flight-search',
    entry: 'projections/flight-search/src/main.ts',
    port: 3201,
    try: 'GET /api/v1/flights?origin=FRA&destination=JFK',
  },
  { name: 'customer-bookings', entry: 'projections/customer-bookings/src/main.ts', port: 3202, try: 'GET /api/v1/customers/{id}/bookings' },
  { name: 'loyalty-balance', entry: 'projections/loyalty-balance/src/main.ts', port: 3203, try: 'GET /api/v1/members/{id}' },
  {
    name: 'route-revenue-daily',
    entry: 'projections/route-revenue-daily/src/main.ts',
    port: 3204,
    try: 'GET /api/v1/routes/FRA-JFK/revenue?from=…&to=…',
  },
  { name: 'saga-coordinator', entry: 'saga-coordinator/src/service/main.ts', port: 3501, try: 'GET /api/metadata/workflow' },
];

/** The data-lake sink: every `*.events` topic into Parquet under `.waggle/lake` (`LAKE_URL`); started by `waggle start`. */
export const lakeSinkService: ServiceSpec = {
  name: 'lake-sink',
  entry: 'platform/lake-sink/src/main.ts',
  port: 3401,
  try: 'waggle lake query types-per-day',
  // a fetch's records die young in a 32 MiB semi-space and the old space is capped, so garbage does not pile up
  // before a full collection: the lake bench's peak RSS 406-450 MiB with these, 608-695 without
  env: { NODE_OPTIONS: '--max-semi-space-size=32 --max-old-space-size=256' },
};

/**
 * The topic settings that give one run of the system its own topics (`<run>.flights.events`, …, and the saga
 * coordinator's `<run>.saga.*`): tests and benchmarks that launch the services side by side on one Kafka.
 */
export const topicsOf = (run: string) =>
  ({
    FLIGHTS_TOPIC: `${run}.flights.events`,
    BOOKINGS_TOPIC: `${run}.bookings.events`,
    PAYMENTS_TOPIC: `${run}.payments.events`,
    LOYALTY_TOPIC: `${run}.loyalty.events`,
    CHECKIN_TOPIC: `${run}.checkin.events`,
    SAGA_TOPIC_PREFIX: `${run}.saga`,
  }) as const;
