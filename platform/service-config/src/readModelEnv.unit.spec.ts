import { describe, expect, it } from 'vitest';
import { parseEnv, readModelEnv, replaySettings } from './serviceEnv.ts';

const schema = readModelEnv({ database: 'projection-test', port: 3299 });

describe('readModelEnv', () => {
  it('gives the replay settings their defaults: a day kept, lag 500, batches of 20,000, checkpoints every 250,000 records', () => {
    expect(replaySettings(parseEnv(schema, {}, 'test'))).toEqual({
      keepPreviousMs: 86_400_000,
      lagThreshold: 500,
      batchRecords: 20_000,
      flushRecords: 250_000,
    });
  });

  it('takes REPLAY_* from the environment and refuses a bad one by name', () => {
    const env = { REPLAY_KEEP_PREVIOUS_MS: '0', REPLAY_LAG_THRESHOLD: '10', REPLAY_BATCH_RECORDS: '500', REPLAY_FLUSH_RECORDS: '2000' };
    expect(replaySettings(parseEnv(schema, env, 'test'))).toEqual({
      keepPreviousMs: 0,
      lagThreshold: 10,
      batchRecords: 500,
      flushRecords: 2000,
    });
    expect(() => parseEnv(schema, { REPLAY_BATCH_RECORDS: '0' }, 'test')).toThrow(/REPLAY_BATCH_RECORDS/);
    expect(() => parseEnv(schema, { REPLAY_FLUSH_RECORDS: 'many' }, 'test')).toThrow(/REPLAY_FLUSH_RECORDS/);
  });
});
