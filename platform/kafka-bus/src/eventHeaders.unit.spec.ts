import { UndecodableError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import { fromEventHeaders, toEventHeaders, type EventMeta } from './eventHeaders.ts';

const meta: EventMeta = {
  id: '0b3f7c1e-8d2a-4f4e-9c53-1d2e3f4a5b6c',
  type: 'SeatsHeld',
  source: 'waggle/flights',
  time: '2026-12-01T09:30:00.000Z',
  subject: 'LH400-2026-12-01',
  correlationId: 'c-1',
  causationId: 'cmd-7',
};

const asConsumed = (headers: Record<string, string>): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]));

describe('CloudEvents Kafka binding headers', () => {
  it('writes the binary-mode ce_ attributes, content type and correlation headers', () => {
    expect(toEventHeaders(meta)).toEqual({
      ce_specversion: '1.0',
      ce_id: meta.id,
      ce_type: 'SeatsHeld',
      ce_source: 'waggle/flights',
      ce_time: '2026-12-01T09:30:00.000Z',
      ce_subject: 'LH400-2026-12-01',
      'content-type': 'application/avro',
      correlation_id: 'c-1',
      causation_id: 'cmd-7',
    });
  });

  it('round-trips through Kafka header bytes, leaving absent trace context out', () => {
    const back = fromEventHeaders(asConsumed(toEventHeaders(meta)));
    expect(back).toEqual(meta);
    expect('traceparent' in back).toBe(false);
  });

  it('round-trips W3C trace context when present', () => {
    const traced = { ...meta, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'waggle=1' };
    expect(fromEventHeaders(asConsumed(toEventHeaders(traced)))).toEqual(traced);
  });

  it('rejects headers missing required attributes, naming them', () => {
    const rest = toEventHeaders(meta);
    delete rest['ce_type'];
    delete rest['causation_id'];
    expect(() => fromEventHeaders(asConsumed(rest))).toThrow(UndecodableError);
    expect(() => fromEventHeaders(asConsumed(rest))).toThrow('missing event headers: ce_type, causation_id');
  });

  it('rejects another spec version and an unparseable time', () => {
    expect(() => fromEventHeaders(asConsumed({ ...toEventHeaders(meta), ce_specversion: '0.3' }))).toThrow(/ce_specversion is 0.3/);
    expect(() => fromEventHeaders(asConsumed({ ...toEventHeaders(meta), ce_time: 'yesterday' }))).toThrow(/ce_time/);
  });
});
