export { formatLogLine } from './formatLogLine.ts';
export { launchServices } from './launchServices.ts';
export type { Launched, LaunchedService } from './launchServices.ts';
export { lakeSinkService, repoRoot, topicsOf, waggleServices } from './services.ts';
export type { ServiceSpec } from './services.ts';
