import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-shim.js';

const run = promisify(execFile);
const links = mkdtempSync(join(tmpdir(), 'ws-progname-'));
afterAll(() => rmSync(links, { recursive: true, force: true }));

/** Runs bin/<tool> through a link named `name`, as an installation under the C tool's name does. */
const runAs = async (tool: string, name: string, args: string[]) => {
  const link = join(links, name);
  symlinkSync(join(REPO_ROOT, 'bin', tool), link);
  try {
    const { stdout, stderr } = await run(link, args, { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  } finally {
    rmSync(link);
  }
};

// The C tools name themselves after argv[0]; scripts and PostgreSQL's own tests read
// "pg_basebackup: error: ...". Installed under those names, our tools must say the same.
describe('the program name is the name the tool was invoked as', () => {
  it.each([
    ['basebackup', 'pg_basebackup'],
    ['receivewal', 'pg_receivewal'],
    ['archivecleanup', 'pg_archivecleanup'],
    ['promote', 'my-promote'],
  ])('%s installed as %s: errors, hints, --version and --help', async (tool, name) => {
    const bad = await runAs(tool, name, ['--no-such-option']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(new RegExp(`^${name}: error: .*\\(try "${name} --help"\\)\\n$`));
    expect((await runAs(tool, name, ['--version'])).stdout).toMatch(new RegExp(`^${name} \\(warmstandby\\) `));
    const help = (await runAs(tool, name, ['--help'])).stdout;
    expect(help).toContain(`${name} [OPTION]...`);
    expect(help).not.toMatch(new RegExp(`(^|\\s)${tool} \\[OPTION`));
  });

  it('a suggestion for a mistyped option stays on the one line that names the program', async () => {
    const run1 = await runAs('receivewal', 'pg_receivewal', ['--verbos']);
    expect(run1.stderr).toBe(
      'pg_receivewal: error: unknown option \'--verbos\' (Did you mean --verbose?) (try "pg_receivewal --help")\n',
    );
  });
});
