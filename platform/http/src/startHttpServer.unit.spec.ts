import { Agent, request } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from './startHttpServer.ts';

type Answer = { status: number; connection: string | undefined; body: string };

const get = (agent: Agent, url: string, onHeaders?: () => void): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      onHeaders?.();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    req.end();
  });

const gate = () => {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/** A server whose `/slow` answers when the test opens the gate; `/stream` sends its headers first. */
const given = async (stopDeadlineMs?: number) => {
  const release = gate();
  const arrived = gate();
  const app = express();
  app.get('/slow', async (_req, res) => {
    arrived.open();
    await release.opened;
    res.json({ ok: true });
  });
  app.get('/stream', async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('a');
    await release.opened;
    res.end('b');
  });
  app.get('/fast', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/never', () => arrived.open());
  const server = await startHttpServer(app, { port: 0, ...(stopDeadlineMs === undefined ? {} : { stopDeadlineMs }) });
  return { server, release, arrived, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
};

describe('startHttpServer stop', () => {
  describe('given a keep-alive client with a request in flight', () => {
    it('lets the request finish, answers it with Connection: close, and resolves', async () => {
      const { server, release, arrived, agent } = await given();
      expect((await get(agent, `${server.url}/fast`)).connection).toBe('keep-alive');
      const inFlight = get(agent, `${server.url}/slow`);
      await arrived.opened;
      const stopped = server.stop();
      release.open();
      expect(await inFlight).toEqual({ status: 200, connection: 'close', body: '{"ok":true}' });
      await stopped;
    });
  });

  describe('given a keep-alive client that sends another request on its open connection after the stop began', () => {
    it('answers it 503 with Connection: close, so the client goes elsewhere, and resolves', async () => {
      const { server, release, agent } = await given();
      const headers = gate();
      const streaming = get(agent, `${server.url}/stream`, headers.open);
      await headers.opened;
      const stopped = server.stop();
      release.open();
      expect((await streaming).body).toBe('ab');
      // the agent's one socket is still open: its response had sent its headers before the stop
      const late = await get(agent, `${server.url}/fast`);
      expect(late.status).toBe(503);
      expect(late.connection).toBe('close');
      expect(JSON.parse(late.body)).toMatchObject({ status: 503, title: 'The service is shutting down; try again' });
      await stopped;
    });
  });

  describe('given a request that never finishes', () => {
    it('cuts its connection at the deadline', async () => {
      const { server, arrived, agent } = await given(300);
      const hanging = get(agent, `${server.url}/never`).catch((error: unknown) => error);
      await arrived.opened;
      const began = Date.now();
      await server.stop();
      expect(Date.now() - began).toBeGreaterThanOrEqual(250);
      expect(await hanging).toMatchObject({ code: 'ECONNRESET' });
    });
  });
});
