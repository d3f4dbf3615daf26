export { createTcpProxy, type TcpProxy } from './tcpProxy.ts';
export { freePort } from './freePort.ts';
export { runCli } from './runCli.ts';
export type { CliRun } from './runCli.ts';
export { uniqueName } from './uniqueName.ts';
export { waitFor } from './waitFor.ts';
export { given } from './given.ts';
