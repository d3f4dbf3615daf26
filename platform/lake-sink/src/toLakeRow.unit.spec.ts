import { TransientError } from '@waggle/errors';
import { createAvroSerde, toWireFormat } from '@waggle/serde';
import { describe, expect, it } from 'vitest';
import { toLakeRow } from './toLakeRow.ts';

// nothing listens there: the serde fails before asking for bytes that are not wire format, and transiently after
const serde = createAvroSerde({ registryUrl: 'http://127.0.0.1:9', schemas: [], requestTimeoutMs: 500 });
const decode = (bytes: Buffer) => serde.decode(bytes);
const record = (value: Buffer | null, headers: Record<string, string>) => ({
  topic: 't.events',
  partition: 1,
  offset: '7',
  key: Buffer.from('k-1'),
  value,
  headers: Object.fromEntries(Object.entries(headers).map(([name, text]) => [name, Buffer.from(text)])),
  timestamp: Date.parse('2026-11-19T12:00:00Z'),
});

describe('a record that cannot be decoded', () => {
  it('becomes a row with its bytes and the error, filed under the day of ce_time', async () => {
    const row = await toLakeRow(record(Buffer.from('plain text'), { ce_type: 'Junk', ce_time: '2026-11-20T01:00:00Z' }), decode);
    expect(row).toMatchObject({ offset: 7n, key: 'k-1', eventType: 'Junk', payload: null, date: '2026-11-20', streamId: 'k-1' });
    expect(row.value?.toString()).toBe('plain text');
    expect(row.decodeError).toMatch(/magic byte/);
  });
  it('without a usable ce_time is filed under the day of its Kafka timestamp, saying so', async () => {
    const row = await toLakeRow(record(null, { ce_time: 'yesterday' }), decode);
    expect(row.date).toBe('2026-11-19');
    expect(row.ceTimeMs).toBeNull();
    expect(row.decodeError).toMatch(/tombstone.*ce_time is not a timestamp of years 0000-9999: yesterday/);
  });
  it('with a ce_time past year 9999 is filed under its Kafka timestamp: a day name must never start with a sign', async () => {
    const row = await toLakeRow(record(null, { ce_time: '+010000-01-01T00:00:00Z' }), decode);
    expect(row.date).toBe('2026-11-19');
    expect(row.decodeError).toMatch(/years 0000-9999/);
  });
  it('takes its stream id from ce_subject, else from the key', async () => {
    expect((await toLakeRow(record(null, { ce_subject: 'booking-9' }), decode)).streamId).toBe('booking-9');
    expect((await toLakeRow(record(null, { ce_subject: 'k-1' }), decode)).streamId).toBe('k-1');
    expect((await toLakeRow(record(null, { ce_streamversion: '12' }), decode)).streamVersion).toBe(12);
  });
  it('is not stored while the registry does not answer: the error is retriable and thrown', async () => {
    await expect(toLakeRow(record(toWireFormat(12345, Buffer.from([2, 65])), {}), decode)).rejects.toBeInstanceOf(TransientError);
  });
});
