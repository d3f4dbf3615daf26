export { createAvroSerde } from './createAvroSerde.ts';
export type { AvroSerde, DecodedEvent, SchemaSource } from './createAvroSerde.ts';
export { createRegistryReader } from './createRegistryReader.ts';
export type { RegisteredSchema, RegistryReader } from './createRegistryReader.ts';
export { createSchemaWriter } from './createSchemaWriter.ts';
export type { SchemaWriter } from './createSchemaWriter.ts';
export type { SchemaViolation } from './findSchemaViolations.ts';
export { fromWireFormat, toWireFormat } from './wireFormat.ts';
