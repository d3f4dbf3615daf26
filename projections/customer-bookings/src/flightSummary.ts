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
 * Applies a flights event once. Seat events change nothing the summary shows but still count as applied: the
 * summary must know its stream's last version to see that none is missing.
 */
export const evolve = (flight: FlightSummary, projected: ProjectedEvent<FlightsEvent>): FlightSummary => {
  if (isApplied(flight, projected)) return flight;
  const { event } = projected;
  const applied = { ...flight, ...markApplied(flight, projected) };
  switch (event.type) {
    case 'FlightScheduled': {
      const { flightNumber, origin, destination, date, departureTime } = event.data;
      return { ...applied, scheduled: true, flightNumber, origin, destination, date, departureTime };
    }
    case 'FlightCancelled':
      return { ...applied, status: 'cancelled' };
    case 'SeatsHeld':
    case 'SeatHoldReleased':
    case 'SeatsConfirmed':
    case 'SeatsUnavailable':
      return applied;
  }
};
