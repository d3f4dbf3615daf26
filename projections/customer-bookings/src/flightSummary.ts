import type { FlightsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

/**
 * What a customer's booking shows of its flight, from the flights events only (its single writer is the consumer
 * of its partition of the flights topic), so a booking and its flight never share a writer.
 */
export type FlightSummary = AppliedEvents & {
  readonly flightId: string;
  /** False until FlightScheduled was applied. */
  readonly scheduled: boolean;
  readonly flightNumber: string;
  readonly origin: string;
  readonly destination: string;
  readonly date: string;
  readonly departureTime: string;
  readonly status: 'scheduled' | 'cancelled';
};

export const initialFlightSummary = (flightId: string): FlightSummary => ({
  ...noEventsApplied,
  flightId,
  scheduled: false,
  flightNumber: '',
  origin: '',
  destination: '',
  date: '',
  departureTime: '',
  status: 'scheduled',
});

/**
 * Applies a flights event once. Seat events do not touch the summary, so they return the same document and cost
 * no write; skipping their versions is safe because an event applies when its version is newer, not the next one.
 */
export const evolve = (flight: FlightSummary, projected: ProjectedEvent<FlightsEvent>): FlightSummary => {
  const { event } = projected;
  switch (event.type) {
    case 'FlightScheduled': {
      if (isApplied(flight, projected)) return flight;
      const { flightNumber, origin, destination, date, departureTime } = event.data;
      return { ...flight, ...markApplied(flight, projected), scheduled: true, flightNumber, origin, destination, date, departureTime };
    }
    case 'FlightCancelled':
      if (isApplied(flight, projected)) return flight;
      return { ...flight, ...markApplied(flight, projected), status: 'cancelled' };
    case 'SeatsHeld':
    case 'SeatHoldReleased':
    case 'SeatsConfirmed':
    case 'SeatsUnavailable':
      return flight;
  }
};
