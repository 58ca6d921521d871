import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeXLogData } from '../../../../src/core/pg/replication/codec.js';
import { StreamedHeaderCheck } from '../../../../src/core/wal/streamed-header-check.js';
import { main as receivewal } from '../../../../src/tools/receivewal/cli.js';
import { cstr, int16, msg } from '../../pg/protocol/wire.js';
import {
  FrontendReader, type ScriptedServer, answerServerFacts, nextQuery, startScriptedServer, startupReply,
} from '../../pg/connection/scripted-server.js';
import { captureIO } from '../../../harness/capture-io.js';
import { makeSegment, SYSID } from '../archive-hooks/wal-fixtures.js';

// A hostile walsender (compromised, impersonated, or not PostgreSQL at all): it identifies
// itself properly, then streams bytes that are not WAL of its system. A real server cannot
// be made to do this. receivewal must complete no segment from them, and say why, once.

const MB = 1024 * 1024;
const SEG_SIZE = 16 * MB;
let server: ScriptedServer;
let dir: string;
beforeEach(async () => {
  server = await startScriptedServer();
  dir = mkdtempSync(join(tmpdir(), 'ws-hostile-walsender-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Serves one receivewal: IDENTIFY_SYSTEM, SHOWs, then `wal` as XLogData from 0/1000000. */
const walsender = async (wal: Buffer, systemId = SYSID): Promise<void> => {
  const reader = new FrontendReader(await server.nextConnection());
  await reader.untyped();
  reader.socket.write(startupReply());
  for (;;) {
    const text = await nextQuery(reader);
    if (text === undefined) return;
    if (answerServerFacts(reader, text, { systemId, xlogpos: '0/1000000' })) continue;
    if (text.startsWith('START_REPLICATION')) {
      reader.socket.write(msg('W', Buffer.from([0]), int16(0)));
      for (let at = 0; at < wal.length; at += 128 * 1024) {
        const data = wal.subarray(at, at + 128 * 1024);
        const start = 0x1000000n + BigInt(at);
        reader.socket.write(msg('d', encodeXLogData({ dataStart: start, walEnd: start + BigInt(data.length), sendTime: 1n, data })));
      }
    } else {
      reader.socket.write(Buffer.concat([msg('E', Buffer.from('S'), cstr('ERROR'), Buffer.from('M'), cstr(`unknown: ${text}`), Buffer.from([0])), msg('Z', Buffer.from('I'))]));
    }
  }
};

const run = async (wal: Buffer, systemId?: string) => {
  const serving = walsender(wal, systemId);
  const io = captureIO(dir);
  const status = await receivewal(['-D', dir, '-n', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'u', '-w'], {
    ...io, env: { ...io.env, PGSSLMODE: 'disable', HOME: '/nonexistent' },
  });
  await server.close();
  await serving;
  return { status, err: io.err(), files: readdirSync(dir) };
};

describe('receivewal completes no segment from a server that sends what is not WAL', () => {
  it('16 MB of random bytes: refused before any of it is written', async () => {
    const { status, err, files } = await run(randomBytes(SEG_SIZE + 4096));
    expect(status).toBe(1);
    expect(err).toContain('Cannot accept WAL from the server');
    expect(files.filter((name) => /^[0-9A-F]{24}$/.test(name))).toEqual([]);
  });

  it('WAL whose page headers name another system', async () => {
    const foreign = makeSegment({ name: '000000010000000000000001', systemIdentifier: '7300000000000000999' });
    const { status, err, files } = await run(Buffer.concat([foreign, Buffer.alloc(4096)]));
    expect(status).toBe(1);
    expect(err).toContain('it belongs to database system 7300000000000000999');
    expect(files.filter((name) => /^[0-9A-F]{24}$/.test(name))).toEqual([]);
  });

  it('a non-numeric system identifier', async () => {
    const { status, err } = await run(Buffer.alloc(0), 'not-a-number');
    expect(status).toBe(1);
    expect(err).toContain('invalid system identifier "not-a-number"');
  });
});

describe('StreamedHeaderCheck', () => {
  const check = () => new StreamedHeaderCheck({ segSize: SEG_SIZE, systemIdentifier: SYSID, timeline: 2, ancestorTimelines: [1] });
  const segment = (timeline: number) => makeSegment({ name: '000000020000000000000001', timeline });

  it('gathers a header split across messages, byte by byte', () => {
    const c = check();
    const bytes = segment(2).subarray(0, 64);
    for (let i = 0; i < bytes.length; i += 1) c.check(0x1000000n + BigInt(i), bytes.subarray(i, i + 1));
  });

  it('takes an ancestor\'s first page and refuses another timeline\'s', () => {
    expect(() => check().check(0x1000000n, segment(1).subarray(0, 100))).not.toThrow();
    expect(() => check().check(0x1000000n, segment(3).subarray(0, 100))).toThrow(/newer than the name's 2/);
  });

  it('judges the next segment\'s header inside a message that crosses the boundary', () => {
    const c = check();
    const tail = Buffer.alloc(100);
    const next = Buffer.alloc(100, 0xff);
    expect(() => c.check(0x1ffff9cn, Buffer.concat([tail, next]))).toThrow(/invalid info bits|magic/);
  });
});

describe('a walsender that never ends the COPY', () => {
  it('receivewal stops on the first SIGTERM all the same, within the finish deadline', async () => {
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(startupReply());
      // CopyDone and status updates are never answered: nextQuery passes over them.
      for (;;) {
        const text = await nextQuery(reader);
        if (text === undefined) return;
        if (answerServerFacts(reader, text, { systemId: SYSID, xlogpos: '0/1000000' })) continue;
        if (text.startsWith('START_REPLICATION')) reader.socket.write(msg('W', Buffer.from([0]), int16(0)));
      }
    })();
    const io = captureIO(dir);
    const controller = new AbortController();
    const running = receivewal(['-D', dir, '-v', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'u', '-w'], {
      ...io, env: { ...io.env, PGSSLMODE: 'disable', HOME: '/nonexistent' }, signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stoppedAt = Date.now();
    controller.abort();
    const status = await running;
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(status).toBe(0);
    expect(io.err()).toContain('received interrupt signal, exiting');
    await server.close();
    await serving;
  }, 30_000);
});
