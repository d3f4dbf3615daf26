import type { FlightsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

/**
 * One flight's availability, pre-aggregated at write time so a search reads one document per flight and never
 * counts holds. The single writer is the consumer of the flight's partition of the flights topic.
 */
export type FlightAvailability = AppliedEvents & {
  readonly flightId: string;
  /** False until FlightScheduled was applied: events produced by hand may bring holds first; they count once it comes. */
  readonly scheduled: boolean;
  readonly flightNumber: string;
  readonly origin: string;
  readonly destination: string;
  /** Local departure date, YYYY-MM-DD. */
  readonly date: string;
  /** As scheduled, ISO 8601 with the airport's offset. */
  readonly departureTime: string;
  /** The departure in UTC, so that sorting by it is chronological across time zones. */
  readonly departureUtc: string;
  readonly capacity: number;
  /** Seats held or sold: held minus released. Confirming a hold takes nothing more. */
  readonly seatsTaken: number;
  readonly seatsLeft: number;
  readonly fareCents: number;
  readonly currency: string;
  readonly status: 'scheduled' | 'cancelled';
  readonly cancelReason: string | null;
  /** `ce_time` of the last event applied. */
  readonly updatedAt: string | null;
};

export const initialFlightAvailability = (flightId: string): FlightAvailability => ({
  ...noEventsApplied,
  flightId,
  scheduled: false,
  flightNumber: '',
  origin: '',
  destination: '',
  date: '',
  departureTime: '',
  departureUtc: '',
  capacity: 0,
  seatsTaken: 0,
  seatsLeft: 0,
  fareCents: 0,
  currency: '',
  status: 'scheduled',
  cancelReason: null,
  updatedAt: null,
});

const toUtc = (dateTime: string): string => {
  const millis = Date.parse(dateTime);
  return Number.isNaN(millis) ? dateTime : new Date(millis).toISOString();
};

const withSeatsTaken = (flight: FlightAvailability, seatsTaken: number): FlightAvailability => ({
  ...flight,
  seatsTaken,
  // more taken than there are seats only happens with hand-made events; a search never shows a negative count
  seatsLeft: Math.max(0, flight.capacity - seatsTaken),
});

const applyEvent = (flight: FlightAvailability, event: FlightsEvent): FlightAvailability => {
  switch (event.type) {
    case 'FlightScheduled': {
      const { flightNumber, origin, destination, date, departureTime, capacity, fareCents, currency } = event.data;
      const scheduled = {
        ...flight,
        scheduled: true,
        flightNumber,
        origin,
        destination,
        date,
        departureTime,
        departureUtc: toUtc(departureTime),
        capacity,
        fareCents,
        currency,
      };
      return withSeatsTaken(scheduled, flight.seatsTaken);
    }
    case 'SeatsHeld':
      return withSeatsTaken(flight, flight.seatsTaken + event.data.seats);
    case 'SeatHoldReleased':
      return withSeatsTaken(flight, flight.seatsTaken - event.data.seats);
    case 'SeatsConfirmed':
      // the seats were taken when they were held
      return flight;
    case 'SeatsUnavailable':
      return flight;
    case 'FlightCancelled':
      return { ...flight, status: 'cancelled', cancelReason: event.data.reason };
  }
};

/** Applies a flights event once: an event the document already reflects returns the same document. */
export const evolve = (flight: FlightAvailability, projected: ProjectedEvent<FlightsEvent>): FlightAvailability => {
  if (isApplied(flight, projected)) return flight;
  return { ...applyEvent(flight, projected.event), ...markApplied(flight, projected), updatedAt: projected.occurredAt };
};
