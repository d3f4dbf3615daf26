import { TransientError, WaggleError } from '@waggle/errors';
import { KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toBusError } from './toBusError.ts';

describe('kafkajs errors translated to waggle errors', () => {
  it('a retriable kafkajs error becomes a TransientError wrapping it', () => {
    const cause = new KafkaJSConnectionError('Connection timeout');
    const error = toBusError(cause, 'producing 3 record(s)');
    expect(error).toBeInstanceOf(TransientError);
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('producing 3 record(s): Connection timeout');
    expect(error.cause).toBe(cause);
  });

  it('a non-retriable kafkajs error is not retriable', () => {
    const error = toBusError(new KafkaJSNonRetriableError('Invalid topic'), 'producing');
    expect(error).not.toBeInstanceOf(TransientError);
    expect(error.retriable).toBe(false);
  });

  it('retries given up on a transient cause stay retriable for the caller', () => {
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new KafkaJSError('broker away'), { retryCount: 5, retryTime: 100 });
    expect(toBusError(exhausted, 'producing').retriable).toBe(true);
  });

  it('a waggle error passes through untouched', () => {
    const error = new WaggleError('already classified', { retriable: false });
    expect(toBusError(error, 'producing')).toBe(error);
  });
});
