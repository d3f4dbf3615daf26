import { describe, expect, it } from 'vitest';
import { findOffsetsBeyondEnd, offsetsBeyondEndError } from './offsetsBeyondEnd.ts';

const topic = 'bookings.events';
const described = [
  {
    topic,
    partitions: [
      { partition: 0, low: '0', high: '10' },
      { partition: 1, low: '0', high: '0' },
    ],
    messages: 10,
  },
];

describe('offsets a read model reflects', () => {
  it('are fine below their partition end', () => {
    expect(findOffsetsBeyondEnd([{ topic, partition: 0, offset: 9 }], described, [topic])).toEqual([]);
  });

  it('are beyond the end at or past it, or on a partition the topic does not have', () => {
    const reflected = [
      { topic, partition: 0, offset: 10 },
      { topic, partition: 1, offset: 0 },
      { topic, partition: 2, offset: 3 },
    ];
    expect(findOffsetsBeyondEnd(reflected, described, [topic])).toEqual([
      { topic, partition: 0, offset: 10, end: '10' },
      { topic, partition: 1, offset: 0, end: '0' },
      { topic, partition: 2, offset: 3, end: undefined },
    ]);
  });

  it('of a topic the read model no longer reads are left alone', () => {
    expect(findOffsetsBeyondEnd([{ topic: 'old.events', partition: 0, offset: 99 }], described, [topic])).toEqual([]);
  });

  it('beyond the end give an error naming topic, partition and offsets, and what to do', () => {
    const error = offsetsBeyondEndError('customer-bookings', [{ topic, partition: 0, offset: 41, end: '12' }]);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('bookings.events/0 reflects offset 41 but the partition ends at 12');
    expect(error.message).toContain('Rebuild');
  });
});
