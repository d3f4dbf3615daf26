import { describe, expect, it } from 'vitest';
import { toCorrelationTopics } from './correlationTopics.ts';

describe('the correlation index topics', () => {
  it('by default: the airline topics as renamed, and the coordinator topics under its prefix, nothing else', () => {
    const pattern = toCorrelationTopics('', 'run-1.saga', { 'bookings.events': 'run-1.bookings.events' });
    expect(pattern).toBeDefined();
    const matches = (topic: string) => pattern!.test(topic);
    expect(
      [
        'run-1.bookings.events',
        'flights.events',
        'checkin.events',
        'run-1.saga.inputs',
        'run-1.saga.tasks.hold_seats',
        'run-1.saga.events',
      ].every(matches),
    ).toBe(true);
    expect(
      [
        'bookings.events',
        'run-1.bookings.events.dlq',
        'run-1.saga.coordinator.outbox-lanes',
        'run-1xsaga.inputs',
        'other.saga.inputs',
        'x.flights.events',
      ].some(matches),
    ).toBe(false);
  });

  it('a list names exactly those topics; a /pattern/ is a regular expression; none turns the index off', () => {
    const listed = toCorrelationTopics('a.events, b.events', 'saga', {})!;
    expect([listed.test('a.events'), listed.test('b.events'), listed.test('saga.inputs'), listed.test('aXevents')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(toCorrelationTopics('/\\.events$/', 'saga', {})!.test('any.events')).toBe(true);
    expect(toCorrelationTopics('none', 'saga', {})).toBeUndefined();
  });
});
