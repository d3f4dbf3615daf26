import { UndecodableError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import { deadLetterHeaderNames, readDeadLetterHeaders, toDeadLetterHeaders } from './deadLetterHeaders.ts';

describe('dead-letter headers', () => {
  const info = {
    originalTopic: 'flights',
    originalPartition: 2,
    originalOffset: '9007199254740993',
    originalTimestamp: 1_764_000_000_000,
    consumerGroup: 'loyalty',
    attempts: 6,
  };

  it('encode partition and attempts as 4-byte and offset and timestamp as 8-byte big-endian, as Spring Kafka does', () => {
    const headers = toDeadLetterHeaders({ ...info, error: new UndecodableError('unknown schema id 42') });
    expect(headers[deadLetterHeaderNames.originalPartition]).toEqual(Buffer.from([0, 0, 0, 2]));
    expect(headers[deadLetterHeaderNames.originalOffset]?.readBigInt64BE()).toBe(9007199254740993n);
    expect(headers[deadLetterHeaderNames.originalTimestamp]?.length).toBe(8);
    expect(headers[deadLetterHeaderNames.attempts]).toEqual(Buffer.from([0, 0, 0, 6]));
    expect(headers[deadLetterHeaderNames.errorClass]?.toString()).toBe('UndecodableError');
  });

  it('read back what was written, including the class of the cause', () => {
    const error = new UndecodableError('bad magic byte 7', { cause: new RangeError('out of range') });
    expect(readDeadLetterHeaders(toDeadLetterHeaders({ ...info, error }))).toEqual({
      ...info,
      errorClass: 'UndecodableError',
      errorCauseClass: 'RangeError',
      errorMessage: 'bad magic byte 7',
    });
  });

  it('are absent from an ordinary record', () => {
    expect(readDeadLetterHeaders({ ce_id: Buffer.from('x') })).toBeUndefined();
  });
});
