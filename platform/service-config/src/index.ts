export { parseEnv, readModelEnv, replaySettings, sagaTopicPrefix, serviceEnv } from './serviceEnv.ts';
export type { ReplaySettings } from './serviceEnv.ts';
