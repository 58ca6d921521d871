import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/core/docker/engine-client.js';
import { openEventStream } from '../../../src/core/docker/events.js';

// The real daemon on this machine speaks API 1.41 only, so a small HTTP server on a unix
// socket stands in for an older or misbehaving daemon; the integration tests use dockerd.
let dir: string;
let server: Server | undefined;
let seen: string[];

const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<EngineClient> => {
  const socketPath = join(dir, 'fake.sock');
  server = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
  return new EngineClient({ kind: 'unix', socketPath, url: `unix://${socketPath}` }, { timeoutMs: 1000 });
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-engine-'));
  seen = [];
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('EngineClient', () => {
  it('negotiates the version from /_ping and sends versioned paths', async () => {
    const client = await serve((req, res) => {
      if (req.url === '/_ping') res.writeHead(200, { 'Api-Version': '1.30', Ostype: 'linux' }).end('OK');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ServerVersion":"17.06.0"}');
    });
    const ping = await client.negotiate();
    expect(ping).toMatchObject({ apiVersion: '1.30', osType: 'linux' });
    expect(client.apiVersion).toBe('1.30');
    expect(await client.getJson('/info')).toEqual({ ServerVersion: '17.06.0' });
    expect(seen).toEqual(['GET /_ping', 'GET /v1.30/info']);
  });

  it('refuses a daemon older than API 1.25', async () => {
    const client = await serve((_req, res) => res.writeHead(200, { 'Api-Version': '1.24' }).end('OK'));
    await expect(client.negotiate()).rejects.toMatchObject({ code: 'api-version', exitStatus: 3 });
  });

  it('turns an error status into a DockerApiError carrying the daemon message', async () => {
    const client = await serve((req, res) => {
      if (req.url === '/_ping') res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
      else res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"message":"This node is not a swarm manager."}');
    });
    await client.negotiate();
    await expect(client.getJson('/swarm')).rejects.toMatchObject({
      code: 'docker-api',
      statusCode: 503,
      message: 'Cannot GET /swarm: This node is not a swarm manager. (HTTP 503)',
    });
  });

  it('reports a missing socket and a silent daemon as unreachable (exit status 3)', async () => {
    const missing = new EngineClient({ kind: 'unix', socketPath: join(dir, 'none.sock'), url: 'unix://none' });
    await expect(missing.ping()).rejects.toMatchObject({ code: 'daemon-unreachable', exitStatus: 3, message: /no such socket/ });
    const silent = await serve(() => undefined);
    await expect(silent.ping()).rejects.toMatchObject({ exitStatus: 3, message: /no answer within 1 s/ });
  });

  it('decodes an event stream split anywhere', async () => {
    const client = await serve((req, res) => {
      if (req.url === '/_ping') {
        res.writeHead(200, { 'Api-Version': '1.41' }).end('OK');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const text = '{"Type":"daemon","Action":"reload","Actor":{"Attributes":{"live-restore":"true"}}}\n{"Type":"daemon","Action":"reload"}\n';
      res.write(text.slice(0, 17));
      setTimeout(() => res.write(text.slice(17, 90)), 20);
      setTimeout(() => res.write(text.slice(90)), 40);
    });
    await client.negotiate();
    const stream = await openEventStream(client, { type: ['daemon'] });
    const events = [];
    for await (const event of stream.events) {
      events.push(event);
      if (events.length === 2) stream.close();
    }
    expect(events.map((e) => e.Actor?.Attributes?.['live-restore'])).toEqual(['true', undefined]);
    expect(seen[1]).toMatch(/^GET \/v1\.41\/events\?filters=%7B%22type%22%3A%5B%22daemon%22%5D%7D$/);
  });
});

describe('a daemon (or something posing as one) that sends an endless body', () => {
  it('is cut off past the size cap, within the timeout, with one clear line', async () => {
    await serve((req, res) => {
      if (req.url === '/_ping') {
        res.writeHead(200, { 'Api-Version': '1.41', Ostype: 'linux' }).end('OK');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = (): void => {
        while (res.write(chunk)) { /* until the socket pushes back */ }
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const client = new EngineClient(
      { kind: 'unix', socketPath: join(dir, 'fake.sock'), url: `unix://${join(dir, 'fake.sock')}` },
      { timeoutMs: 60_000 },
    );
    await client.negotiate();
    const error = await client.request('GET', '/info').catch((caught: unknown) => caught as Error);
    expect(error).toMatchObject({ code: 'docker-response-too-large' });
    expect((error as Error).message).toContain('more than 64 MiB');
  }, 60_000);
});
