import { toEventHeaders, type ConsumedRecord } from '@waggle/kafka-bus';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { createEventDecoder } from './createEventDecoder.ts';

const stack = inject('stack');
const record = (name: string) => ({ type: 'record', name, namespace: 'waggle.decodertest', fields: [{ name: 'id', type: 'string' }] });
const known = { fullName: 'waggle.decodertest.Known', schema: record('Known') };
const newer = { fullName: 'waggle.decodertest.AddedLater', schema: record('AddedLater') };

const consumed = (topic: string, value: Buffer, key: string, version: number): ConsumedRecord<never> => {
  const headers = toEventHeaders({
    id: `${key}-${version}`,
    type: 'AddedLater',
    source: '/waggle/test',
    time: new Date(0).toISOString(),
    subject: key,
    correlationId: 'c',
    causationId: 'c',
  });
  const asBuffers = Object.fromEntries(Object.entries(headers).map(([name, v]) => [name, Buffer.from(String(v))]));
  return {
    topic,
    partition: 0,
    offset: '1',
    key: Buffer.from(key),
    value,
    timestamp: 0,
    headers: { ...asBuffers, [streamVersionHeader]: Buffer.from(String(version)) },
  };
};

describe('an event decoder meeting an event type its read model does not know', () => {
  it('gives a skipped event that keeps its stream and version, so the next known event is no gap', async () => {
    const topic = uniqueName('decoder');
    // the producer is newer than the read model: it knows a type the read model has never heard of
    const producer = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [known, newer] });
    const reader = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [known] });
    const decode = createEventDecoder<{ type: 'Known'; data: { id: string } }>(reader, { Known: known.fullName });

    const bytes = await producer.encode(topic, newer.fullName, { id: 'S' });
    expect(await decode(consumed(topic, bytes, 'S', 2))).toEqual({
      skipped: newer.fullName,
      streamId: 'S',
      eventId: 'S-2',
      streamVersion: 2,
      occurredAt: new Date(0).toISOString(),
    });
    const knownBytes = await producer.encode(topic, known.fullName, { id: 'S' });
    expect(await decode(consumed(topic, knownBytes, 'S', 3))).toMatchObject({
      event: { type: 'Known', data: { id: 'S' } },
      streamVersion: 3,
    });
  });
});
