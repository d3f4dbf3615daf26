export { resolveKafkaClasspath, versions } from './artifacts.ts';
export type { Report } from './artifacts.ts';
export type { ComponentName } from './components.ts';
export { stackDown, stackReset, stackStatus, stackUp } from './stack.ts';
export type { ComponentStatus, UpOutcome } from './stack.ts';
export { loadStackConfig, StackConfigError, toEnvLines } from './stackConfig.ts';
export type { StackConfig, StackMode } from './stackConfig.ts';
export { StackError } from './stackError.ts';
