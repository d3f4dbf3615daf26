import { z } from 'zod';
import type { FlightAvailability } from './flightAvailability.ts';

/** A flight as the API shows it. */
export const flightSchema = z
  .object({
    flightId: z.string().describe('Flight number and departure date, e.g. LH400-2026-12-01'),
    flightNumber: z.string(),
    origin: z.string().describe('IATA code of the departure airport'),
    destination: z.string().describe('IATA code of the arrival airport'),
    date: z.string().describe('Local departure date, YYYY-MM-DD'),
    departureTime: z.string().describe('ISO 8601 date-time with offset'),
    capacity: z.number().int(),
    seatsLeft: z.number().int(),
    fareCents: z.number().int().describe('Base fare per seat in the minor unit of the currency'),
    currency: z.string().describe('ISO 4217'),
    status: z.enum(['scheduled', 'cancelled']),
  })
  .meta({ id: 'Flight' });

export type FlightView = z.infer<typeof flightSchema>;
export type FlightField = keyof FlightView;

export const flightFields = flightSchema.keyof().options;

/** With `fields=`, a flight carries only the fields asked for, and always its id. */
export const partialFlightSchema = flightSchema.partial().required({ flightId: true }).meta({ id: 'PartialFlight' });

export const toFlightView = (flight: FlightAvailability, fields: readonly FlightField[] = flightFields): Partial<FlightView> => {
  const view: FlightView = {
    flightId: flight.flightId,
    flightNumber: flight.flightNumber,
    origin: flight.origin,
    destination: flight.destination,
    date: flight.date,
    departureTime: flight.departureTime,
    capacity: flight.capacity,
    seatsLeft: flight.seatsLeft,
    fareCents: flight.fareCents,
    currency: flight.currency,
    status: flight.status,
  };
  return Object.fromEntries(['flightId', ...fields].map((field) => [field, view[field as FlightField]]));
};
