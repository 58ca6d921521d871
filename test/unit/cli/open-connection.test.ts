import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main as promote } from '../../../src/tools/promote/cli.js';
import { main as receivewal } from '../../../src/tools/receivewal/cli.js';
import { int32, msg } from '../pg/protocol/wire.js';
import { FrontendReader, type ScriptedServer, startScriptedServer } from '../pg/connection/scripted-server.js';
import { captureIO } from '../../harness/capture-io.js';

// One opener serves every tool: each warns about a .pgpass others can read, as libpq does
// (before, only basebackup did). A scripted server asks for a password and then refuses,
// which is enough to reach the password file.

let server: ScriptedServer;
let dir: string;
beforeEach(async () => {
  server = await startScriptedServer();
  dir = mkdtempSync(join(tmpdir(), 'ws-open-conn-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const askForPasswordThenClose = async (): Promise<void> => {
  const reader = new FrontendReader(await server.nextConnection());
  await reader.untyped();
  reader.socket.write(msg('R', int32(3)));
  await reader.typed().catch(() => undefined);
  reader.socket.destroy();
};

describe('every tool warns about a world-readable .pgpass', () => {
  it.each([
    ['receivewal', (args: string[], io: ReturnType<typeof captureIO>) => receivewal(['-D', dir, ...args], io)],
    ['promote', (args: string[], io: ReturnType<typeof captureIO>) => promote(args, io)],
  ] as const)('%s', async (tool, run) => {
    const pgpass = join(dir, 'pgpass');
    writeFileSync(pgpass, '*:*:*:*:secret\n');
    chmodSync(pgpass, 0o644);
    const serving = askForPasswordThenClose();
    const io = captureIO(dir, { PGPASSFILE: pgpass, PGSSLMODE: 'disable', HOME: '/nonexistent' });
    await run(['-h', '127.0.0.1', '-p', String(server.port), '-U', 'u', '-w'], io);
    await serving;
    expect(io.err()).toContain(`${tool}: warning: password file "${pgpass}" has group or world access`);
    expect(io.err()).not.toContain('secret');
  });
});
