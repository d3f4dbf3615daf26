/**
 * What each lane's idle wait ends on: `woken(lane)` is the promise of its next wake, resolved by `wake(lane)` (an
 * append on that lane) or `wake()` (every lane waiting). A lane's wake reads that lane only: waking every lane on every
 * append made each lane read after every append. Take the promise before a read, so a wake during it is not missed.
 */
export const createLaneSignals = () => {
  const signals = new Map<number, { readonly woken: Promise<void>; readonly wakeUp: () => void }>();
  return {
    woken: (lane: number): Promise<void> => {
      let signal = signals.get(lane);
      if (signal === undefined) {
        let wakeUp: () => void = () => {};
        const woken = new Promise<void>((resolve) => (wakeUp = resolve));
        signals.set(lane, (signal = { woken, wakeUp }));
      }
      return signal.woken;
    },
    wake: (lane?: number): void => {
      for (const l of lane === undefined ? [...signals.keys()] : [lane]) {
        signals.get(l)?.wakeUp();
        signals.delete(l);
      }
    },
  };
};
