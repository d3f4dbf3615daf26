import { z } from 'zod';
import type { CustomerBooking } from './customerBooking.ts';
import type { FlightSummary } from './flightSummary.ts';

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
  })
  .meta({ id: 'CustomerBooking' });

export type CustomerBookingView = z.infer<typeof customerBookingSchema>;

/** Joins a booking with its flight, when the flight's schedule is known. */
export const toCustomerBookingView = (booking: CustomerBooking, flight: FlightSummary | undefined): CustomerBookingView => {
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
  };
};
