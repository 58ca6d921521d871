import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TAR_BLOCK_SIZE, createTarHeader, tarPadding } from '../../../../src/core/backup/tar-format.js';
import { main as basebackup } from '../../../../src/tools/basebackup/cli.js';
import {
  FrontendReader, type ScriptedServer, answerServerFacts, nextQuery, readyForQuery, resultRows, startScriptedServer, startupReply,
} from '../../pg/connection/scripted-server.js';
import { cstr, int16, msg } from '../../pg/protocol/wire.js';
import { captureIO } from '../../../harness/capture-io.js';
import { SYSID } from '../archive-hooks/wal-fixtures.js';

// A hostile server taking a base backup's place: it answers like PostgreSQL 15, then names
// tablespace locations its own header did not list, or leaves out the manifest it was asked
// for. A real server cannot be made to do either; the client must write nothing outside the
// places the header allowed, and say what went wrong in one line.

let server: ScriptedServer;
let root: string;
beforeEach(async () => {
  server = await startScriptedServer();
  root = mkdtempSync(join(tmpdir(), 'ws-hostile-bb-'));
});
afterEach(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const copyData = (kind: string, ...parts: Buffer[]): Buffer => msg('d', Buffer.from(kind), ...parts);
const tarOf = (names: readonly string[]): Buffer =>
  Buffer.concat([
    ...names.flatMap((name) => {
      const data = Buffer.from('x');
      return [
        createTarHeader({ name, type: 'file', size: data.length, mode: 0o600, uid: 0, gid: 0, mtime: 1_700_000_000, linkTarget: '' }),
        data, Buffer.alloc(tarPadding(data.length)),
      ];
    }),
    Buffer.alloc(2 * TAR_BLOCK_SIZE),
  ]);

interface Script {
  /** Rows (spcoid, spclocation, size) of the header's tablespace list, after the main one. */
  readonly tablespaces: readonly (readonly [string, string])[];
  /** The archives sent: name and location. */
  readonly archives: readonly (readonly [string, string])[];
  readonly manifest: boolean;
}

const serve = async (script: Script): Promise<void> => {
  const reader = new FrontendReader(await server.nextConnection());
  await reader.untyped();
  reader.socket.write(startupReply());
  for (;;) {
    const text = await nextQuery(reader);
    if (text === undefined) return;
    if (answerServerFacts(reader, text, { systemId: SYSID, xlogpos: '0/2000000' })) continue;
    if (text.startsWith('BASE_BACKUP')) {
      const tablespaces = [[null, null, '1'], ...script.tablespaces.map(([oid, location]) => [oid, location, '1'])];
      reader.socket.write(Buffer.concat([
        resultRows(['recptr', 'tli'], [['0/2000028', '1']]),
        resultRows(['spcoid', 'spclocation', 'size'], tablespaces),
        msg('H', Buffer.from([0]), int16(0)),
        ...script.archives.flatMap(([name, location]) => [
          copyData('n', cstr(name), cstr(location)),
          copyData('d', tarOf(['PG_VERSION'])),
        ]),
        ...(script.manifest ? [copyData('m'), copyData('d', Buffer.from('{}\n'))] : []),
        msg('c'),
        resultRows(['recptr', 'tli'], [['0/2000100', '1']]),
        msg('C', cstr('BASE_BACKUP')),
        readyForQuery,
      ]));
    } else {
      reader.socket.write(Buffer.concat([msg('E', Buffer.from('S'), cstr('ERROR'), Buffer.from('M'), cstr(`unexpected: ${text}`), Buffer.from([0])), readyForQuery]));
    }
  }
};

const backup = async (script: Script, extra: string[] = []) => {
  const serving = serve(script);
  const data = join(root, 'data');
  const io = captureIO(root);
  const status = await basebackup(
    ['-D', data, '-X', 'none', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'u', '-w', '--no-sync', ...extra],
    { ...io, env: { ...io.env, PGSSLMODE: 'disable', HOME: '/nonexistent' } },
  );
  await server.close();
  await serving;
  return { status, err: io.err(), data };
};

describe('basebackup against a server that lies about tablespaces', () => {
  it('an archive for a location the header did not list is refused; nothing is written there', async () => {
    const listed = join(root, 'listed');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const { status, err } = await backup({
      tablespaces: [['16400', listed]],
      archives: [['base.tar', ''], ['16400.tar', elsewhere]],
      manifest: false,
    }, ['--no-manifest']);
    expect(status).toBe(1);
    expect(err).toContain(`Cannot accept tablespace location "${elsewhere}" from the server: it is not in the backup's list of tablespaces`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a relative location in the header is refused before anything is created', async () => {
    const { status, err } = await backup({ tablespaces: [['16400', 'relative/ts']], archives: [], manifest: false }, ['--no-manifest']);
    expect(status).toBe(1);
    expect(err).toContain('Cannot accept tablespace location "relative/ts" from the server: not an absolute path');
    expect(existsSync(join(root, 'relative'))).toBe(false);
  });
});

describe('basebackup against a server that leaves out the manifest', () => {
  it('says so in one line, and removes the incomplete backup', async () => {
    const { status, err, data } = await backup({ tablespaces: [], archives: [['base.tar', '']], manifest: false });
    expect(status).toBe(1);
    expect(err).toContain('the server sent no backup manifest, though one was asked for');
    expect(err).not.toContain('backup_manifest.tmp');
    expect(existsSync(data)).toBe(false);
  });
});
