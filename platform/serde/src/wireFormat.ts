import { UndecodableError } from '@waggle/errors';

const magicByte = 0;
const headerLength = 5;

/** Frames an Avro body in Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, the body. */
export const toWireFormat = (schemaId: number, body: Buffer): Buffer => {
  const header = Buffer.alloc(headerLength);
  header.writeUInt8(magicByte, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
};

/** Splits Confluent wire-format bytes into schema id and Avro body; throws `UndecodableError` when they are not that format. */
export const fromWireFormat = (bytes: Buffer): { readonly schemaId: number; readonly body: Buffer } => {
  if (!Buffer.isBuffer(bytes)) throw new UndecodableError(`expected a Buffer in Confluent wire format, got ${typeof bytes}`);
  if (bytes.length < headerLength)
    throw new UndecodableError(`${bytes.length} bytes is too short for Confluent wire format (5-byte header)`);
  const magic = bytes.readUInt8(0);
  if (magic !== magicByte) throw new UndecodableError(`magic byte ${magic}, expected ${magicByte} (not Confluent wire format)`);
  return { schemaId: bytes.readInt32BE(1), body: bytes.subarray(headerLength) };
};
