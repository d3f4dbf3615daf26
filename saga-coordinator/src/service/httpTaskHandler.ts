import type { Task, TaskHandler, TaskOutcome } from '@waggle/task-worker';

type HttpRequest = {
  uri?: unknown;
  method?: unknown;
  headers?: unknown;
  body?: unknown;
  contentType?: unknown;
  accept?: unknown;
  connectionTimeOut?: unknown;
  readTimeOut?: unknown;
};

const maxBodyBytes = 1024 * 1024;

const requestOf = (task: Task): HttpRequest => {
  const nested = task.input['http_request'];
  return typeof nested === 'object' && nested !== null ? nested : task.input;
};

const terminal = (reason: string): TaskOutcome => ({ status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: reason });

/**
 * Conductor's HTTP system task, run by the coordinator as a worker of the `HTTP` task topic: only hosts (`host` or
 * `host:port`) on the allow-list are reachable, redirects are not followed (they could leave it), a response body over
 * 1 MiB fails the task. Output `response` = {statusCode, reasonPhrase, headers, body}; 2xx completes, any other status
 * fails (retried under the task def), a host off the list or a bad request fails for good.
 */
export const createHttpTaskHandler = (allowedHosts: readonly string[]): TaskHandler => ({
  taskType: 'HTTP',
  execute: async (task) => {
    const request = requestOf(task);
    if (typeof request.uri !== 'string' || typeof request.method !== 'string') return terminal('http_request needs a uri and a method');
    let url: URL;
    try {
      url = new URL(request.uri);
    } catch {
      return terminal(`not a URL: ${request.uri}`);
    }
    if (!['http:', 'https:'].includes(url.protocol)) return terminal(`only http and https are supported, not ${url.protocol}`);
    if (!allowedHosts.includes(url.host) && !allowedHosts.includes(url.hostname))
      return terminal(`host ${url.host} is not in SAGA_HTTP_ALLOWED_HOSTS`);
    const contentType = typeof request.contentType === 'string' ? request.contentType : 'application/json';
    const headers: Record<string, string> = {
      accept: Array.isArray(request.accept) ? request.accept.join(', ') : 'application/json',
      ...(request.body === undefined ? {} : { 'content-type': contentType }),
      ...(typeof request.headers === 'object' && request.headers !== null
        ? Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
        : {}),
    };
    const timeoutMs = Number(request.connectionTimeOut ?? 3000) + Number(request.readTimeOut ?? 3000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method.toUpperCase(),
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(Number.isFinite(timeoutMs) ? timeoutMs : 6000),
        ...(request.body === undefined ? {} : { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) }),
      });
    } catch (error) {
      // unreachable or too slow: the attempt fails and the task def's retries decide
      return { status: 'FAILED', reasonForIncompletion: `${request.method} ${url.href}: ${(error as Error).message}` };
    }
    const text = await response.text();
    if (Buffer.byteLength(text) > maxBodyBytes)
      return { status: 'FAILED', reasonForIncompletion: `the response body is over ${maxBodyBytes} bytes` };
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const output = {
      response: { statusCode: response.status, reasonPhrase: response.statusText, headers: Object.fromEntries(response.headers), body },
    };
    if (response.status >= 200 && response.status < 300) return { status: 'COMPLETED', outputData: output };
    return { status: 'FAILED', outputData: output, reasonForIncompletion: text.slice(0, 1000) || `answered ${response.status}` };
  },
});
