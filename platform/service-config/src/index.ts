export { parseEnv, sagaTopicPrefix, serviceEnv } from './serviceEnv.ts';
