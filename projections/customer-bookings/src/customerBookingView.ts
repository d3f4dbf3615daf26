import { z } from 'zod';
import type { BookingPayment } from './bookingPayment.ts';
import type { CustomerBooking } from './customerBooking.ts';
import { checkInStatusOf, type FlightCheckIns } from './flightCheckIns.ts';
import type { FlightSummary } from './flightSummary.ts';

const paymentSchema = z
  .object({
    status: z
      .enum(['authorized', 'declined', 'captured', 'refunded', 'voided'])
      .describe('voided: the authorization was released before capture (no money was taken); refunded: captured money paid back'),
    amountCents: z.number().int().describe('Of the last payment step, in the minor unit of the currency'),
    currency: z.string().describe('ISO 4217'),
    reason: z.string().nullable().describe('Why it was declined, refunded or voided'),
  })
  .meta({ id: 'BookingPayment' });

const checkInSchema = z
  .object({
    status: z
      .enum(['not-open', 'open', 'checked-in', 'closed'])
      .describe(
        'not-open: check-in has not opened for the booking (yet); checked-in: every passenger who may check in has a seat; ' +
          'closed: the flight departed, or the booking or the flight was cancelled',
      ),
    closesAt: z.string().nullable().describe('When check-in closes, ISO 8601; null when not said'),
    passengers: z
      .array(
        z.object({
          passengerName: z.string(),
          seat: z.string().nullable().describe('Null until the passenger checked in'),
          boardingPassIssued: z.boolean(),
          gate: z.string().nullable().describe('Null until the airport assigns one'),
        }),
      )
      .describe('Who may check in, then anyone else checked in, with their seats'),
    reason: z.string().nullable().describe('Why check-in closed'),
  })
  .meta({ id: 'BookingCheckIn' });

/** A booking as the API shows it: the flight's part is null until the flight's schedule is known here. */
export const customerBookingSchema = z
  .object({
    bookingId: z.string(),
    customerId: z.string().nullable().describe('Null while only later events of the booking were seen'),
    flightId: z.string(),
    flightNumber: z.string().nullable(),
    origin: z.string().nullable().describe('IATA code of the departure airport'),
    destination: z.string().nullable().describe('IATA code of the arrival airport'),
    date: z.string().nullable().describe('Local departure date, YYYY-MM-DD'),
    departureTime: z.string().nullable().describe('ISO 8601 date-time with offset'),
    flightStatus: z.enum(['scheduled', 'cancelled']).nullable(),
    seats: z.number().int(),
    status: z.enum(['requested', 'confirmed', 'rejected', 'cancelled']),
    reason: z.string().nullable().describe('Why the booking was rejected or cancelled'),
    requestedAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
    payment: paymentSchema.nullable().describe('Null until a payment event of the booking is known here'),
    checkIn: checkInSchema,
  })
  .meta({ id: 'CustomerBooking' });

export type CustomerBookingView = z.infer<typeof customerBookingSchema>;

const toPaymentView = (payment: BookingPayment | undefined): CustomerBookingView['payment'] => {
  if (payment === undefined || payment.status === 'none' || payment.amountCents === null || payment.currency === null) return null;
  const { status, amountCents, currency, reason } = payment;
  return { status, amountCents, currency, reason };
};

const toCheckInView = (bookingId: string, checkIns: FlightCheckIns | undefined): CustomerBookingView['checkIn'] => {
  const entry = checkIns?.bookings.find((b) => b.bookingId === bookingId);
  const seated = new Map(entry?.checkedIn.map((p) => [p.passengerName, p]) ?? []);
  const names = [...new Set([...(entry?.passengers ?? []), ...seated.keys()])];
  return {
    status: checkInStatusOf(entry),
    closesAt: entry?.closesAt ?? null,
    passengers: names.map((passengerName) => {
      const p = seated.get(passengerName);
      return { passengerName, seat: p?.seat ?? null, boardingPassIssued: p?.boardingPassIssued ?? false, gate: p?.gate ?? null };
    }),
    reason: entry?.closedReason ?? null,
  };
};

/** The other documents a booking is shown with: each undefined while nothing of it is known here. */
export type BookingJoins = {
  readonly flight?: FlightSummary | undefined;
  readonly payment?: BookingPayment | undefined;
  readonly checkIns?: FlightCheckIns | undefined;
};

/** Joins a booking with its flight (when the flight's schedule is known), its payment and its check-in. */
export const toCustomerBookingView = (booking: CustomerBooking, { flight, payment, checkIns }: BookingJoins = {}): CustomerBookingView => {
  const known = flight?.scheduled === true ? flight : undefined;
  return {
    bookingId: booking.bookingId,
    customerId: booking.customerId,
    flightId: booking.flightId,
    flightNumber: known?.flightNumber ?? null,
    origin: known?.origin ?? null,
    destination: known?.destination ?? null,
    date: known?.date ?? null,
    departureTime: known?.departureTime ?? null,
    flightStatus: known?.status ?? null,
    seats: booking.seats,
    status: booking.status,
    reason: booking.reason,
    requestedAt: booking.requestedAt,
    updatedAt: booking.updatedAt,
    payment: toPaymentView(payment),
    checkIn: toCheckInView(booking.bookingId, checkIns),
  };
};
