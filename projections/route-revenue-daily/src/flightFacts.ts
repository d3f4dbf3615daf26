import type { FlightsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

/**
 * What revenue needs of a flight: its route and departure date, from FlightScheduled. The single writer is the
 * consumer of the flight's partition of the flights topic; seat events only count their stream version.
 */
export type FlightFacts = AppliedEvents & {
  readonly flightId: string;
  /** False until FlightScheduled was applied: until then the flight's bookings and payments wait for their route. */
  readonly scheduled: boolean;
  readonly origin: string;
  readonly destination: string;
  /** Local departure date, YYYY-MM-DD: the day the flight's revenue counts on. */
  readonly date: string;
};

export const initialFlightFacts = (flightId: string): FlightFacts => ({
  ...noEventsApplied,
  flightId,
  scheduled: false,
  origin: '',
  destination: '',
  date: '',
});

/** Applies a flights event once: an event the document already reflects returns the same document. */
export const evolve = (flight: FlightFacts, projected: ProjectedEvent<FlightsEvent>): FlightFacts => {
  if (isApplied(flight, projected)) return flight;
  const applied = { ...flight, ...markApplied(flight, projected) };
  const { event } = projected;
  switch (event.type) {
    case 'FlightScheduled': {
      // a flight is scheduled once; the first schedule fixes the route and day its revenue is counted under
      if (flight.scheduled) return applied;
      const { origin, destination, date } = event.data;
      return { ...applied, scheduled: true, origin, destination, date };
    }
    case 'SeatsHeld':
    case 'SeatHoldReleased':
    case 'SeatsConfirmed':
    case 'SeatsUnavailable':
    case 'FlightCancelled':
      return applied;
  }
};
