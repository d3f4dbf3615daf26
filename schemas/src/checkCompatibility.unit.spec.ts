import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from './checkCompatibility.ts';
import { releaseSchemas } from './releaseSchemas.ts';

type Field = { name: string; type: unknown; default?: unknown };

const booking = (fields: Field[]) => ({ type: 'record', name: 'BookingRequested', namespace: 'waggle.bookings', fields });

/** A schemas folder of its own in the temp directory, with BookingRequested written as `fields`. */
const givenSchemas = () => {
  const root = mkdtempSync(join(tmpdir(), 'waggle-schemas-'));
  mkdirSync(join(root, 'bookings'));
  const write = (fields: Field[]) => writeFileSync(join(root, 'bookings', 'BookingRequested.avsc'), JSON.stringify(booking(fields)));
  return {
    root,
    /** Writes the schema file and records it as the next released version. */
    async release(fields: Field[]) {
      write(fields);
      return await releaseSchemas(root);
    },
    change: write,
    check: () => checkCompatibility(root),
  };
};

const v1: Field[] = [
  { name: 'bookingId', type: 'string' },
  { name: 'seats', type: 'int' },
];

describe('a schema released as version 1', () => {
  it('accepts the unchanged schema', async () => {
    const schemas = givenSchemas();
    expect(await schemas.release(v1)).toEqual([expect.objectContaining({ fullName: 'waggle.bookings.BookingRequested', version: 1 })]);
    expect(schemas.check()).toEqual([]);
  });

  it('accepts a field added with a default', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    schemas.change([...v1, { name: 'channel', type: ['null', 'string'], default: null }]);
    expect(schemas.check()).toEqual([]);
  });

  it('rejects a field added without a default, naming it and the rule', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    schemas.change([...v1, { name: 'channel', type: 'string' }]);
    const problems = schemas.check();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      fullName: 'waggle.bookings.BookingRequested',
      version: 1,
      field: 'channel',
      rule: 'BACKWARD_TRANSITIVE',
    });
    expect(problems[0]?.message).toBe(
      'waggle.bookings.BookingRequested: field "channel" added without a default (BACKWARD: a reader with the new schema cannot read data written with version 1)',
    );
  });

  it('rejects a removed field that had no default, naming it', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    schemas.change([{ name: 'bookingId', type: 'string' }]);
    const problems = schemas.check();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'seats', rule: 'FORWARD', version: 1 });
    expect(problems[0]?.message).toMatch(/^waggle\.bookings\.BookingRequested: field "seats" was removed but has no default in version 1/);
  });

  it('accepts a removed field that had a default', async () => {
    const schemas = givenSchemas();
    await schemas.release([...v1, { name: 'channel', type: ['null', 'string'], default: null }]);
    schemas.change(v1);
    expect(schemas.check()).toEqual([]);
  });

  it('rejects a type change that Avro cannot resolve, naming both types', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    schemas.change([{ name: 'bookingId', type: 'int' }, v1[1] as Field]);
    const problems = schemas.check();
    expect(problems.map((p) => p.message)).toEqual([
      'waggle.bookings.BookingRequested: field "bookingId" changed type from string to int (BACKWARD: a reader with the new schema cannot read data written with version 1)',
    ]);
  });

  it('accepts a type promotion that Avro resolves (int to long)', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    schemas.change([v1[0] as Field, { name: 'seats', type: 'long' }]);
    expect(schemas.check()).toEqual([]);
  });

  it('explains a change inside a nested record at its field path', async () => {
    const passenger = (lastName: unknown) => ({
      name: 'passengers',
      type: { type: 'array', items: { type: 'record', name: 'Passenger', fields: [{ name: 'lastName', type: lastName }] } },
    });
    const schemas = givenSchemas();
    await schemas.release([...v1, passenger('string')]);
    schemas.change([...v1, passenger('boolean')]);
    expect(schemas.check()).toEqual([expect.objectContaining({ field: 'passengers[].lastName' })]);
  });

  it('rejects deleting the schema file', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    rmSync(join(schemas.root, 'bookings', 'BookingRequested.avsc'));
    expect(schemas.check().map((p) => p.message)).toEqual([
      expect.stringMatching(/^waggle\.bookings\.BookingRequested: released as version 1 but its schema file is gone/),
    ]);
  });
});

describe('a schema released as versions 1 and 2', () => {
  it('rejects a change compatible with version 2 but not with version 1 (transitive)', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    // v2 adds "channel" with a default, which is fine
    expect(await schemas.release([...v1, { name: 'channel', type: 'string', default: 'web' }])).toEqual([
      expect.objectContaining({ version: 2 }),
    ]);
    // dropping the default still reads v2 data (it has "channel") but no longer v1 data
    schemas.change([...v1, { name: 'channel', type: 'string' }]);
    const problems = schemas.check();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ version: 1, field: 'channel', rule: 'BACKWARD_TRANSITIVE' });
    expect(problems[0]?.message).toContain('cannot read data written with version 1');
  });

  it('refuses to release an incompatible change and records nothing', async () => {
    const schemas = givenSchemas();
    await schemas.release(v1);
    await expect(schemas.release([v1[0] as Field, { name: 'seats', type: 'string' }])).rejects.toThrow(
      /field "seats" changed type from int to string/,
    );
    schemas.change(v1);
    expect(schemas.check()).toEqual([]);
  });
});
