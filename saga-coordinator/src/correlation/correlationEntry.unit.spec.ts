import type { ConsumedRecord } from '@waggle/kafka-bus';
import { describe, expect, it } from 'vitest';
import { toCorrelationEntry, workflowOfTask } from './correlationEntry.ts';

const record = (headers: Record<string, string>, key: string | null = 'bkg-1'): ConsumedRecord<never> => ({
  topic: 'bookings.events',
  partition: 2,
  offset: '41',
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from([0, 0, 0, 0, 7]),
  headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)])),
  timestamp: 1_796_000_000_000,
});
const cloudEvent = {
  ce_specversion: '1.0',
  ce_id: 'e-1',
  ce_type: 'waggle.bookings.BookingRequested',
  ce_source: '/waggle/bookings',
  ce_time: '2026-12-04T21:00:00.123Z',
  correlation_id: 'c-1',
  causation_id: 'r-1',
};

describe('a record as the correlation index keeps it', () => {
  it('given CloudEvents headers: where it is and what they say, its time from ce_time', () => {
    expect(toCorrelationEntry(record(cloudEvent))).toEqual({
      topic: 'bookings.events',
      partition: 2,
      offset: '41',
      correlationId: 'c-1',
      causationId: 'r-1',
      eventId: 'e-1',
      type: 'waggle.bookings.BookingRequested',
      source: '/waggle/bookings',
      time: Date.parse('2026-12-04T21:00:00.123Z'),
      timestamp: 1_796_000_000_000,
      key: 'bkg-1',
    });
  });

  it('given no correlation id (or an empty or absurdly long one): nothing to keep', () => {
    const { correlation_id: _, ...without } = cloudEvent;
    expect(toCorrelationEntry(record(without))).toBeUndefined();
    expect(toCorrelationEntry(record({ ...cloudEvent, correlation_id: '' }))).toBeUndefined();
    expect(toCorrelationEntry(record({ ...cloudEvent, correlation_id: 'x'.repeat(300) }))).toBeUndefined();
  });

  it('given only a correlation id and an unreadable time: kept, at the record timestamp, of an unknown type', () => {
    expect(toCorrelationEntry(record({ correlation_id: 'c-1', ce_time: 'yesterday' }, null))).toEqual({
      topic: 'bookings.events',
      partition: 2,
      offset: '41',
      correlationId: 'c-1',
      type: 'unknown',
      time: 1_796_000_000_000,
      timestamp: 1_796_000_000_000,
    });
  });

  it("given a saga record: the execution is its key; a context's event names none", () => {
    const saga = toCorrelationEntry(record({ ...cloudEvent, ce_type: 'waggle.saga.TaskCommand' }, 'wf-1'));
    expect(saga?.workflowId).toBe('wf-1');
    expect(toCorrelationEntry(record(cloudEvent))?.workflowId).toBeUndefined();
  });
});

describe('the execution of a task id', () => {
  it('is the id without its last :<seq>, for children and failure workflows too', () => {
    expect(workflowOfTask('wf-1:3')).toBe('wf-1');
    expect(workflowOfTask('wf-1:3:sub:2')).toBe('wf-1:3:sub');
    expect(workflowOfTask('wf-1:failure:12')).toBe('wf-1:failure');
    expect(workflowOfTask('wf-1')).toBeUndefined();
    expect(workflowOfTask('wf-1:x')).toBeUndefined();
  });
});
