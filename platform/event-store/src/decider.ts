import type { DomainEvent } from './eventStore.ts';

/**
 * An aggregate as a decider: `decide` turns a command and the current state into events (`[]` = nothing
 * happened), `evolve` folds an event into the state. Both pure: time and ids arrive in the command.
 */
export type Decider<Command, Event extends DomainEvent, State> = {
  readonly initialState: () => State;
  readonly decide: (command: Command, state: State) => readonly Event[];
  readonly evolve: (state: State, event: Event) => State;
  /** The shape version of `State`; bump it when the shape changes and older snapshots are ignored. */
  readonly stateVersion?: number;
};
