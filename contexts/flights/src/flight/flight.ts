import { RuleViolationError } from '@waggle/errors';
import type { FlightsEvent } from '@waggle/schemas';

/**
 * Seats taken for one booking: open until its booking confirms (then sold, kept so that a cancellation can give
 * the seats back) or until it is released. Only a hold with a deadline lapses; a booking's hold has none, since
 * bookings answers every hold itself and a deadline could only race that answer.
 */
type Hold = { readonly bookingId: string; readonly seats: number; readonly expiresAt: string | null; readonly confirmed: boolean };

/** What deciding needs to know of a flight; not a read model. */
export type Flight =
  | { readonly status: 'none'; readonly refused: readonly string[] }
  | {
      readonly status: 'scheduled' | 'cancelled';
      readonly capacity: number;
      /** The fare of one seat, in minor units of `currency`: what a booking's hold is priced at. */
      readonly fareCents: number;
      readonly currency: string;
      readonly seatsLeft: number;
      /** Open and sold holds: at most one per seat, so bounded by the capacity. */
      readonly holds: Readonly<Record<string, Hold>>;
      /** Bookings already answered (held or refused), so a redelivered request is not answered twice. */
      readonly answered: readonly string[];
    };

export type FlightCommand =
  | {
      readonly type: 'ScheduleFlight';
      readonly flightId: string;
      readonly flightNumber: string;
      readonly date: string;
      readonly origin: string;
      readonly destination: string;
      readonly departureTime: string;
      readonly capacity: number;
      readonly fareCents: number;
      readonly currency: string;
    }
  | {
      readonly type: 'HoldSeats';
      readonly flightId: string;
      readonly bookingId: string;
      readonly holdId: string;
      readonly seats: number;
      /** When the hold lapses unless confirmed; null: it lasts until its booking answers. */
      readonly expiresAt: string | null;
    }
  | { readonly type: 'ConfirmHold'; readonly flightId: string; readonly holdId: string }
  | { readonly type: 'ReleaseHold'; readonly flightId: string; readonly holdId: string; readonly reason: string }
  | { readonly type: 'ReleaseBookingHold'; readonly flightId: string; readonly bookingId: string; readonly reason: string }
  | { readonly type: 'ExpireHold'; readonly flightId: string; readonly holdId: string; readonly now: string }
  | { readonly type: 'CancelFlight'; readonly flightId: string; readonly reason: string };

export const initialState = (): Flight => ({ status: 'none', refused: [] });

const release = (flight: Exclude<Flight, { status: 'none' }>, flightId: string, holdId: string, reason: string): FlightsEvent[] => {
  const hold = flight.holds[holdId];
  return hold ? [{ type: 'SeatHoldReleased', data: { flightId, holdId, bookingId: hold.bookingId, seats: hold.seats, reason } }] : [];
};

export const decide = (command: FlightCommand, flight: Flight): FlightsEvent[] => {
  switch (command.type) {
    case 'ScheduleFlight': {
      if (flight.status !== 'none') throw new RuleViolationError(`flight ${command.flightId} is already scheduled`);
      const { type: _type, ...data } = command;
      return [{ type: 'FlightScheduled', data }];
    }
    case 'HoldSeats': {
      if (flight.status === 'none') {
        if (flight.refused.includes(command.bookingId)) return [];
        return [
          {
            type: 'SeatsUnavailable',
            data: {
              flightId: command.flightId,
              bookingId: command.bookingId,
              seatsRequested: command.seats,
              seatsLeft: 0,
              reason: 'unknown flight',
            },
          },
        ];
      }
      if (flight.answered.includes(command.bookingId)) return [];
      if (flight.status === 'cancelled' || flight.seatsLeft < command.seats) {
        const reason = flight.status === 'cancelled' ? 'flight cancelled' : 'not enough seats left';
        return [
          {
            type: 'SeatsUnavailable',
            data: {
              flightId: command.flightId,
              bookingId: command.bookingId,
              seatsRequested: command.seats,
              seatsLeft: flight.seatsLeft,
              reason,
            },
          },
        ];
      }
      const { flightId, bookingId, holdId, seats, expiresAt } = command;
      return [{ type: 'SeatsHeld', data: { flightId, bookingId, seats, holdId, expiresAt } }];
    }
    case 'ConfirmHold': {
      if (flight.status === 'none') return [];
      const hold = flight.holds[command.holdId];
      if (!hold || hold.confirmed) return [];
      return [
        {
          type: 'SeatsConfirmed',
          data: { flightId: command.flightId, holdId: command.holdId, bookingId: hold.bookingId, seats: hold.seats },
        },
      ];
    }
    case 'ReleaseHold':
      return flight.status === 'none' ? [] : release(flight, command.flightId, command.holdId, command.reason);
    case 'ReleaseBookingHold': {
      if (flight.status === 'none') return [];
      const holdId = Object.keys(flight.holds).find((id) => flight.holds[id]?.bookingId === command.bookingId);
      return holdId === undefined ? [] : release(flight, command.flightId, holdId, command.reason);
    }
    case 'ExpireHold': {
      if (flight.status === 'none') return [];
      const hold = flight.holds[command.holdId];
      // a sold hold is final, and one without a deadline waits for its booking however long that takes
      if (!hold || hold.confirmed || hold.expiresAt === null || hold.expiresAt > command.now) return [];
      return release(flight, command.flightId, command.holdId, 'expired');
    }
    case 'CancelFlight': {
      if (flight.status !== 'scheduled') throw new RuleViolationError(`flight ${command.flightId} is not scheduled`);
      // every seat goes back in the same batch, so each booking on the flight hears of it (bookings cancels them)
      const reason = `flight cancelled: ${command.reason}`;
      return [
        { type: 'FlightCancelled', data: { flightId: command.flightId, reason: command.reason } },
        ...Object.keys(flight.holds).flatMap((holdId) => release(flight, command.flightId, holdId, reason)),
      ];
    }
  }
};

const withoutHold = (holds: Readonly<Record<string, Hold>>, holdId: string): Record<string, Hold> => {
  const { [holdId]: _removed, ...rest } = holds;
  return rest;
};

export const evolve = (flight: Flight, event: FlightsEvent): Flight => {
  switch (event.type) {
    case 'FlightScheduled':
      return {
        status: 'scheduled',
        capacity: event.data.capacity,
        seatsLeft: event.data.capacity,
        fareCents: event.data.fareCents,
        currency: event.data.currency,
        holds: {},
        answered: [],
      };
    case 'SeatsHeld':
      if (flight.status === 'none') return flight;
      return {
        ...flight,
        seatsLeft: flight.seatsLeft - event.data.seats,
        holds: {
          ...flight.holds,
          [event.data.holdId]: {
            bookingId: event.data.bookingId,
            seats: event.data.seats,
            expiresAt: event.data.expiresAt ?? null,
            confirmed: false,
          },
        },
        answered: [...flight.answered, event.data.bookingId],
      };
    case 'SeatsUnavailable':
      if (flight.status === 'none') return { ...flight, refused: [...flight.refused, event.data.bookingId] };
      return { ...flight, answered: [...flight.answered, event.data.bookingId] };
    case 'SeatsConfirmed': {
      if (flight.status === 'none') return flight;
      const hold = flight.holds[event.data.holdId];
      return hold ? { ...flight, holds: { ...flight.holds, [event.data.holdId]: { ...hold, confirmed: true } } } : flight;
    }
    case 'SeatHoldReleased':
      if (flight.status === 'none') return flight;
      return { ...flight, seatsLeft: flight.seatsLeft + event.data.seats, holds: withoutHold(flight.holds, event.data.holdId) };
    case 'FlightCancelled':
      return flight.status === 'none' ? flight : { ...flight, status: 'cancelled' };
  }
};

/** The flight decider: stream id = flight id (`<flight number>-<date>`). State v2: the fare is part of it. */
export const flightDecider = { initialState, decide, evolve, stateVersion: 2 };

/** The hold of a booking's seats: one per booking and flight, so asking again finds it. */
export const bookingHoldId = (bookingId: string): string => `hold-${bookingId}`;

/** Why a flight cannot hold seats for a booking now (its state after the booking was answered). */
export const unavailableReason = (flight: Flight, seats: number): string => {
  if (flight.status === 'none') return 'unknown flight';
  if (flight.status === 'cancelled') return 'flight cancelled';
  return flight.seatsLeft < seats ? 'not enough seats left' : 'seats unavailable';
};

/** The aggregate id of a flight. */
export const flightIdOf = (flightNumber: string, date: string): string => `${flightNumber}-${date}`;
