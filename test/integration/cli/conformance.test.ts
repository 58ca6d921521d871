import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../../src/core/version.js';
import { toolNames } from '../../../src/tools/registry.js';
import { REPO_ROOT, runShim, type ShimOutcome } from './run-shim.js';

// Every binary behaves the same at its edges: help, version, a bad option, its man page and
// its README section. Runs the built shims in bin/ (npm test builds first).
const root = REPO_ROOT;
const run = promisify(execFile);
const expectedTools = [
  'archivecleanup', 'archivewal', 'basebackup', 'live-restore', 'promote', 'receivewal', 'replstatus', 'restorewal',
];

const invoke = (tool: string, args: string[]): Promise<ShimOutcome> =>
  runShim(tool, args, { env: { ...process.env, NO_COLOR: '1' } });

describe('the toolkit', () => {
  it('registers every binary', () => {
    expect(toolNames()).toEqual(expectedTools);
  });
});

describe.each(toolNames())('%s', (tool) => {
  it('--help: exit 0, nothing on stderr, lines of at most 95 characters', async () => {
    const { code, stdout, stderr } = await invoke(tool, ['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('Usage:');
    for (const line of stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(95);
  });

  it('-? is help too, as in the PostgreSQL tools', async () => {
    const { code, stdout } = await invoke(tool, ['-?']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
  });

  it('--version: exit 0, the toolkit version', async () => {
    const { code, stdout, stderr } = await invoke(tool, ['--version']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe(`${tool} (warmstandby) ${VERSION}`);
  });

  it('an unknown option: non-zero exit, one line on stderr naming it', async () => {
    const { code, stdout, stderr } = await invoke(tool, ['--no-such-option']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${tool}: error: .*--no-such-option`));
  });

  it('has a man page that man renders without warnings', async () => {
    const page = join(root, 'man', 'man1', `${tool}.1`);
    expect(existsSync(page), page).toBe(true);
    const { stdout, stderr } = await run('man', ['--warnings', '-l', page], {
      env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' },
    });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/SYNOPSIS/);
    expect(stdout).toMatch(/EXIT STATUS/);
  });

  it('has a README section with an example', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.split(/^## /m).find((s) => s.startsWith(`\`${tool}\``) || s.startsWith(tool));
    expect(section, `README section for ${tool}`).toBeDefined();
    expect(section).toMatch(/```/);
  });
});

describe.each(['enable', 'disable', 'status', 'reload', 'check'])('live-restore %s', (sub) => {
  it('--help: exit 0, nothing on stderr, lines of at most 95 characters', async () => {
    const { code, stdout, stderr } = await invoke('live-restore', [sub, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('Usage:');
    for (const line of stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(95);
  });
});
