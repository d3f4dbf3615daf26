export { parseEnv, serviceEnv } from './serviceEnv.ts';
