export { createAvroSerde } from './createAvroSerde.ts';
export type { AvroSerde, DecodedEvent, SchemaSource } from './createAvroSerde.ts';
export type { SchemaViolation } from './findSchemaViolations.ts';
export { fromWireFormat, toWireFormat } from './wireFormat.ts';
