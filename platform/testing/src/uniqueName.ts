import { randomBytes } from 'node:crypto';

/**
 * A name no other test run uses (topic, group, database): `prefix-<time>-<random>`, lowercase, at most 60
 * characters, valid as a Kafka topic and a Mongo database name, so tests need no cleanup.
 */
export const uniqueName = (prefix: string): string =>
  `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 36)}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
