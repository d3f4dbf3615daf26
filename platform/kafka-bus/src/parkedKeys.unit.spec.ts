import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from './consumedRecord.ts';
import { toDeadLetterHeaders } from './deadLetterHeaders.ts';
import { planRedrive, type DeadLetter } from './deadLetterQueue.ts';
import { createParkedKeys } from './parkedKeys.ts';
import { parkedKeyErrorClass, redriveHeaderNames } from './redriveHeaders.ts';

const group = 'g';
let dlqOffset = 0;

const deadLetter = (
  key: string,
  offset: number,
  errorName = 'ValidationError',
  extra: Record<string, Buffer> = {},
  consumerGroup = group,
): ConsumedRecord<never> => {
  const error = Object.assign(new Error('refused'), { name: errorName });
  return {
    topic: 't.dlq',
    partition: 0,
    offset: String(dlqOffset++),
    key: Buffer.from(key),
    value: Buffer.from(`${key}@${offset}`),
    timestamp: 0,
    headers: {
      ce_id: Buffer.from(`${key}-${offset}`),
      ...extra,
      ...toDeadLetterHeaders({
        originalTopic: 't',
        originalPartition: 0,
        originalOffset: String(offset),
        originalTimestamp: 0,
        consumerGroup,
        attempts: 1,
        error,
      }),
    },
  };
};

const unparked = (key: string): ConsumedRecord<never> => ({
  topic: 't.dlq',
  partition: 0,
  offset: String(dlqOffset++),
  key: Buffer.from(key),
  value: null,
  timestamp: 0,
  headers: { [redriveHeaderNames.unparkedGroup]: Buffer.from(group), [redriveHeaderNames.unparkedTopic]: Buffer.from('t') },
});

const copyOf = (key: string, offset: number, from: number, runId: string): ConsumedRecord<never> =>
  deadLetter(key, offset, 'ValidationError', {
    [redriveHeaderNames.redriveGroup]: Buffer.from(group),
    [redriveHeaderNames.redriveId]: Buffer.from(runId),
    [redriveHeaderNames.redrivenFrom]: Buffer.from(String(from)),
  });

describe('parked keys rebuilt from a dead-letter topic', () => {
  it('parks a key from its first dead letter on, counting the records held back behind it', () => {
    const parked = createParkedKeys();
    parked.rebuild([deadLetter('K', 1), deadLetter('K', 3, parkedKeyErrorClass), deadLetter('L', 2, 'X', {}, 'other-group')], group);
    expect(parked.list()).toEqual([
      { topic: 't', partition: 0, key: 'K', since: '1', reason: 'ValidationError: refused', records: 2, lastFrom: 3n },
    ]);
    expect(parked.get('t', Buffer.from('L'))).toBeUndefined();
  });

  it('forgets a key at its unpark marker and parks it again at a later dead letter', () => {
    const parked = createParkedKeys();
    parked.rebuild([deadLetter('K', 1), unparked('K')], group);
    expect(parked.list()).toEqual([]);
    parked.rebuild([deadLetter('K', 1), unparked('K'), deadLetter('K', 9)], group);
    expect(parked.get('t', Buffer.from('K'))).toMatchObject({ since: '9', records: 1 });
  });

  it('remembers the redrive whose copy failed again, and counts copies by the original they stand for', () => {
    const parked = createParkedKeys();
    parked.rebuild([deadLetter('K', 1), copyOf('K', 7, 1, 'run-1')], group);
    expect(parked.get('t', Buffer.from('K'))).toMatchObject({ since: '1', records: 2, lastFrom: 1n, failedRedrive: 'run-1' });
  });
});

const letter = (key: string | null, root: string, status: DeadLetter['status'] = 'pending', groupId = group): DeadLetter => ({
  dlqPartition: 0,
  dlqOffset: '0',
  key,
  group: groupId,
  originalTopic: 't',
  originalPartition: 2,
  originalOffset: root,
  root,
  errorClass: 'ValidationError',
  errorMessage: 'refused',
  attempts: 1,
  deadLetteredAt: new Date(0).toISOString(),
  status,
  record: deadLetter(key ?? '', Number(root)),
});

describe('a redrive plan', () => {
  it('sends each pending original once, per group and key in source order, to its partition, marking the last of a key', () => {
    const plan = planRedrive(
      [letter('K', '5'), letter('K', '3'), letter('K', '3'), letter('K', '1', 'settled'), letter('K', '4', 'pending', 'g2')],
      {},
      'run',
    );
    expect(plan.problems).toEqual([]);
    const sent = plan.copies.map((c) => [
      c.deadLetter.group,
      c.deadLetter.root,
      c.record.partition,
      c.record.headers?.[redriveHeaderNames.redriveThrough]?.toString(),
    ]);
    expect(sent).toEqual([
      ['g', '3', 2, undefined],
      ['g', '5', 2, '5'],
      ['g2', '4', 2, '4'],
    ]);
    const headers = plan.copies[0]?.record.headers ?? {};
    expect(Object.keys(headers).filter((name) => name.startsWith('kafka_dlt-'))).toEqual([]);
    expect(headers['ce_id']?.toString()).toBe('K-3');
    expect(headers[redriveHeaderNames.redrivenFrom]?.toString()).toBe('3');
  });

  it('refuses an offset behind an earlier pending record of its key, and selects by key and group', () => {
    expect(planRedrive([letter('K', '3'), letter('K', '5')], { offset: '5' }).problems[0]).toMatch(/behind pending offset 3/);
    expect(planRedrive([letter('K', '3'), letter('K', '5')], { offset: '3' }).copies).toHaveLength(1);
    expect(planRedrive([letter('K', '3'), letter('L', '4')], { key: 'L' }).copies.map((c) => c.deadLetter.key)).toEqual(['L']);
    expect(planRedrive([letter('K', '3', 'pending', 'g2')], { group }).copies).toEqual([]);
  });
});
