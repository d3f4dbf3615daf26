import { setTimeout as delay } from 'node:timers/promises';

/** One booking request of a load run, with the moments (ms since the epoch) it got through each step. */
export type BookingTiming = {
  readonly sentAt: number;
  acceptedAt?: number;
  bookingId?: string;
  /** The Kafka timestamp of its BookingConfirmed / BookingRejected on the bookings topic. */
  decidedAt?: number;
  /** When a GET of customer-bookings first showed it confirmed or rejected. */
  visibleAt?: number;
  failed?: string;
};

export type LoadOptions = {
  readonly rate: number;
  readonly seconds: number;
  /** How long to wait at most for the backlog to drain, so that a rate the system cannot take does not hang the bench. */
  readonly drainSeconds: number;
  readonly book: (index: number) => Promise<{ bookingId?: string; failed?: string }>;
  /** Kafka outcome times by booking id, filled by a tail reader of the bookings topic. */
  readonly decided: ReadonlyMap<string, number>;
  /** True once customer-bookings shows the booking decided. */
  readonly isVisible: (bookingId: string) => Promise<boolean>;
  /** Called once when the last request has been sent (the moment steady-load samples are taken). */
  readonly onLoadEnd: () => Promise<void>;
};

export type LoadResult = {
  readonly timings: readonly BookingTiming[];
  readonly lastSentAt: number;
  readonly firstSentAt: number;
  /** When the last outcome became visible, or undefined when the drain limit came first. */
  readonly drainedAt?: number;
};

/** Read-model polls: 20 a second, at most this many GETs in flight, so the poller stays light next to the load. */
const pollIntervalMs = 50;
const pollConcurrency = 8;

const done = (t: BookingTiming): boolean => t.failed !== undefined || (t.decidedAt !== undefined && t.visibleAt !== undefined);

/**
 * Sends bookings at a fixed rate (request i at start + i / rate, never waiting for earlier answers), then waits,
 * bounded, until each one's outcome is on Kafka and visible in the read model. Only bookings whose outcome is
 * already on Kafka are polled, since the read model cannot show one earlier.
 */
export const runBookingLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const total = Math.round(options.rate * options.seconds);
  const timings: BookingTiming[] = [];
  const requests: Promise<void>[] = [];
  let sending = true;
  let drainDeadline = Number.POSITIVE_INFINITY;

  const poller = (async () => {
    while (sending || timings.some((t) => !done(t))) {
      const tick = delay(pollIntervalMs);
      for (const t of timings) {
        if (t.bookingId !== undefined && t.decidedAt === undefined) t.decidedAt = options.decided.get(t.bookingId);
      }
      const due = timings.filter((t) => t.decidedAt !== undefined && t.visibleAt === undefined).slice(0, pollConcurrency);
      await Promise.all(
        due.map(async (t) => {
          if (await options.isVisible(t.bookingId ?? '').catch(() => false)) t.visibleAt = Date.now();
        }),
      );
      await tick;
      if (Date.now() > drainDeadline) return;
    }
  })();

  const firstSentAt = Date.now();
  for (let i = 0; i < total; i++) {
    const wait = firstSentAt + (i * 1000) / options.rate - Date.now();
    if (wait > 0) await delay(wait);
    const timing: BookingTiming = { sentAt: Date.now() };
    timings.push(timing);
    requests.push(
      options.book(i).then((answer) => {
        timing.acceptedAt = Date.now();
        if (answer.bookingId !== undefined) timing.bookingId = answer.bookingId;
        if (answer.failed !== undefined) timing.failed = answer.failed;
      }),
    );
  }
  const lastSentAt = Date.now();
  await options.onLoadEnd();
  drainDeadline = lastSentAt + options.drainSeconds * 1000;
  await Promise.race([Promise.all(requests), delay(Math.max(0, drainDeadline - Date.now()))]);
  sending = false;
  await poller;
  const drained = timings.every(done);
  return {
    timings,
    firstSentAt,
    lastSentAt,
    ...(drained ? { drainedAt: Math.max(...timings.map((t) => t.visibleAt ?? t.decidedAt ?? t.acceptedAt ?? t.sentAt)) } : {}),
  };
};
