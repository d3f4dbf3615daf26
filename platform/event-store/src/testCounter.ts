import { randomUUID } from 'node:crypto';
import type { Decider } from './decider.ts';

/** A counter aggregate for the store's contract tests. */
export type Counter = { readonly count: number; readonly closed: boolean };
export type CounterCommand = { type: 'Add'; by: number } | { type: 'Close' } | { type: 'Noop' };
export type CounterEvent = { type: 'Added'; data: { by: number } } | { type: 'Closed'; data: Record<string, never> };
export const counter: Decider<CounterCommand, CounterEvent, Counter> = {
  initialState: () => ({ count: 0, closed: false }),
  decide: (command, state) => {
    switch (command.type) {
      case 'Add':
        return state.closed ? [] : [{ type: 'Added', data: { by: command.by } }];
      case 'Close':
        return state.closed ? [] : [{ type: 'Closed', data: {} }];
      case 'Noop':
        return [];
    }
  },
  evolve: (state, e) => {
    switch (e.type) {
      case 'Added':
        return { ...state, count: state.count + e.data.by };
      case 'Closed':
        return { ...state, closed: true };
    }
  },
};
export const meta = (commandId: string = randomUUID()) => ({ commandId, correlationId: 'corr-1', occurredAt: '2026-11-25T10:00:00.000Z' });
