import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withoutControlChars } from '../../../../src/core/cli/output.js';
import { main as receivewal } from '../../../../src/tools/receivewal/cli.js';
import { captureIO } from '../../../harness/capture-io.js';
import { cstr, msg } from '../protocol/wire.js';
import { FrontendReader, type ScriptedServer, startScriptedServer } from './scripted-server.js';

// A hostile server's error text carries terminal escape sequences (set the window title,
// clear the screen). Printed raw, they would act on the operator's terminal; a real server
// does not send them, so a scripted one does.

let server: ScriptedServer;
let dir: string;
beforeEach(async () => {
  server = await startScriptedServer();
  dir = mkdtempSync(join(tmpdir(), 'ws-hostile-msg-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const EVIL = 'no entry\u001b]0;pwned\u0007\u001b[2J\u009b1m\r\ninjected line';

describe('server text is printed without control characters', () => {
  it('an ErrorResponse at startup reaches stderr escaped, on one line', async () => {
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(msg('E', Buffer.from('S'), cstr('FATAL'), Buffer.from('C'), cstr('28000'), Buffer.from('M'), cstr(EVIL), Buffer.from([0])));
      reader.socket.end();
    })();
    const io = captureIO(dir);
    const status = await receivewal(['-D', dir, '-h', '127.0.0.1', '-p', String(server.port), '-U', 'u', '-w'], {
      ...io, env: { ...io.env, PGSSLMODE: 'disable', HOME: '/nonexistent' },
    });
    await serving;
    expect(status).toBe(1);
    const err = io.err();
    expect(err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(err).toContain('no entry\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m injected line');
    expect(err.trimEnd().split('\n').filter((line) => line.includes('injected'))).toHaveLength(1);
  });

  it('keeps tabs and printable text as they are', () => {
    expect(withoutControlChars('a\tb é ✓')).toBe('a\tb é ✓');
  });
});
