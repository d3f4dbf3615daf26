/** The decider shape `given` needs (structurally the same as @waggle/event-store's Decider). */
type DeciderLike<C, E, S> = {
  readonly initialState: () => S;
  readonly decide: (command: C, state: S) => readonly E[];
  readonly evolve: (state: S, event: E) => S;
};

/**
 * given/when/then for deciders: `given(decider, pastEvents).when(command)` folds the past, decides, and returns
 * the new events (or throws what `decide` throws), for the test to compare with its `then`.
 */
export const given = <C, E, S>(decider: DeciderLike<C, E, S>, past: readonly E[]) => ({
  state: (): S => past.reduce(decider.evolve, decider.initialState()),
  when: (command: C): readonly E[] => decider.decide(command, past.reduce(decider.evolve, decider.initialState())),
});
