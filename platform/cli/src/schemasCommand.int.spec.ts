import { loadSchemas } from '@waggle/schemas';
import { runCli } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { bookingRequested, cliEnv, createTestTopic } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });

type Listing = {
  subjects: { subject: string; version: number; id: number }[];
  unregistered: { fullName: string; subject: string; file: string }[];
};

const registeredSubjects = async (): Promise<string[]> => (await (await fetch(`${stack.schemaRegistryUrl}/subjects`)).json()) as string[];

describe('waggle schemas', () => {
  it('lists a subject registered by produce with its latest version and id', async () => {
    const topic = await createTestTopic(stack, 'cli-schemas');
    expect((await waggle('produce', topic, '--type', 'BookingRequested', '--data', JSON.stringify(bookingRequested('B-1')))).code).toBe(0);
    const subject = `${topic}-waggle.bookings.BookingRequested`;
    const latest = (await (await fetch(`${stack.schemaRegistryUrl}/subjects/${subject}/versions/latest`)).json()) as {
      id: number;
      version: number;
    };

    const run = await waggle('schemas', '--json');
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.stdout) as Listing;
    expect(listing.subjects).toContainEqual({ subject, version: latest.version, id: latest.id });

    const table = await waggle('schemas');
    expect(table.stdout).toMatch(new RegExp(`^${subject} +${latest.version} +${latest.id}$`, 'm'));
  });

  it('names exactly the local schemas whose subject on their context topic is missing', async () => {
    const before = new Set(await registeredSubjects());
    const listing = JSON.parse((await waggle('schemas', '--json')).stdout) as Listing;
    const after = new Set(await registeredSubjects());
    // other test runs may register subjects meanwhile; judge only the schemas whose state did not change
    for (const local of loadSchemas()) {
      const subject = `${local.context}.events-${local.fullName}`;
      if (before.has(subject) !== after.has(subject)) continue;
      const listed = listing.unregistered.find((u) => u.fullName === local.fullName);
      if (after.has(subject)) expect(listed, subject).toBeUndefined();
      else expect(listed, subject).toEqual({ fullName: local.fullName, subject, file: `schemas/${local.context}/${local.type}.avsc` });
    }
  });
});
