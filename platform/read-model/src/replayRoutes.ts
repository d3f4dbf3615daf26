import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { ReplayRunner } from './replayRunner.ts';
import type { ReplayStatus } from './replayStatus.ts';

const replayRequestSchema = z.strictObject({
  fromStore: z.string().min(1).optional().describe("Read history from this context's event store instead of the topics"),
  switch: z.boolean().default(true).describe('Switch once caught up (false: stop there for inspection)'),
  requireEqual: z.boolean().default(false).describe('Refuse the switch unless both versions are equal'),
  lagThreshold: z.number().int().min(0).optional().describe('Caught up at this lag or less, summed over the partitions'),
});

// the shapes are documented by the TypeScript types in @waggle/read-model; the OpenAPI schema stays open here
const statusSchema = z.looseObject({ readModel: z.string(), pointer: z.looseObject({ version: z.number() }) }).meta({ id: 'ReplayStatus' });
const versionSchema = z.looseObject({ version: z.number(), state: z.string() }).meta({ id: 'ReadModelVersion' });
const reportSchema = z.looseObject({ equal: z.boolean(), sameOffsets: z.boolean() }).meta({ id: 'VerificationReport' });

/** The replay API every read-model service offers, which `waggle replay` drives. */
export const replayRoutes = <E, S>(runner: ReplayRunner<E, S>, status: (brief: boolean) => Promise<ReplayStatus>): Route[] => [
  defineRoute({
    method: 'get',
    path: '/api/v1/replays',
    operationId: 'getReplayStatus',
    summary: "The read model's versions (offsets, lag, size, which serves) and the progress of a rebuild",
    query: z.strictObject({
      brief: z
        .enum(['true', 'false'])
        .default('false')
        .describe('true: the versions and the progress only, without offsets, lags and sizes (for polling)'),
    }),
    responses: { 200: { description: 'Versions and progress', schema: statusSchema } },
    handler: async ({ query }) => ({ status: 200, body: await status(query.brief === 'true') }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/replays',
    operationId: 'startReplay',
    summary: 'Rebuild the read model into a new version beside the serving one (or resume a paused rebuild)',
    body: replayRequestSchema,
    responses: {
      202: { description: 'The version being built', schema: versionSchema },
      409: { description: 'A replay is already under way' },
    },
    handler: async ({ body }) => {
      const resumed = await runner.resume();
      if (resumed !== undefined) return { status: 202, body: { ...resumed, resumed: true } };
      const version = await runner.begin({
        source: body.fromStore === undefined ? { kind: 'kafka' } : { kind: 'store', context: body.fromStore },
        switch: body.switch,
        requireEqual: body.requireEqual,
        ...(body.lagThreshold === undefined ? {} : { lagThreshold: body.lagThreshold }),
      });
      return { status: 202, body: version };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/replays/pause',
    operationId: 'pauseReplay',
    summary: 'Stop the rebuild where it is (its offsets are kept); starting the replay again resumes it',
    responses: { 200: { description: 'The paused version', schema: versionSchema } },
    handler: async () => ({ status: 200, body: await runner.pause() }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/replays/switch',
    operationId: 'switchReplay',
    summary: 'Verify and switch to the version that caught up and waits (after --no-switch or a refused switch)',
    responses: { 200: { description: 'The verification report of the switch', schema: reportSchema } },
    handler: async () => ({ status: 200, body: await runner.switchNow() }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/replays/discard',
    operationId: 'discardReplay',
    summary: 'Drop the rebuild under way or waiting for its switch (its collections are dropped)',
    responses: { 200: { description: 'The discarded version', schema: versionSchema } },
    handler: async () => ({ status: 200, body: await runner.discard() }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/replays/rollback',
    operationId: 'rollbackReplay',
    summary: 'Serve the previous version again',
    responses: { 200: { description: 'Which version serves now', schema: z.object({ from: z.number(), to: z.number() }) } },
    handler: async () => ({ status: 200, body: await runner.rollback() }),
  }),
];
