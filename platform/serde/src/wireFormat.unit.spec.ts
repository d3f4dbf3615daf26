import { UndecodableError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import { fromWireFormat, toWireFormat } from './wireFormat.ts';

describe('Confluent wire format', () => {
  it('is magic byte 0, the schema id as 4 big-endian bytes, then the body', () => {
    const bytes = toWireFormat(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect([...bytes]).toEqual([0, 1, 2, 3, 4, 0xaa, 0xbb]);
    expect(fromWireFormat(bytes)).toEqual({ schemaId: 0x01020304, body: Buffer.from([0xaa, 0xbb]) });
  });

  it('refuses another magic byte and a header cut short', () => {
    expect(() => fromWireFormat(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(UndecodableError);
    expect(() => fromWireFormat(Buffer.from([0, 0, 0, 1]))).toThrow(/too short/);
  });
});
