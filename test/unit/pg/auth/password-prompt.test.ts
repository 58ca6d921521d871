import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { promptPassword } from '../../../../src/core/cli/password-prompt.js';
import { AuthenticationError } from '../../../../src/core/pg/auth/authentication-error.js';

/**
 * The prompt runs in a child process whose controlling terminal is a real pseudo-terminal
 * (Python's pty module drives it), so echo, raw mode and /dev/tty are all the real thing.
 */
const PTY_RUN = fileURLToPath(new URL('./pty-run.py', import.meta.url));
const SOURCE = fileURLToPath(new URL('../../../../src/core/cli/password-prompt.ts', import.meta.url));

let dir: string;
let driver: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-prompt-'));
  const entry = join(dir, 'driver.ts');
  await writeFile(entry, [
    `import { writeFileSync } from 'node:fs';`,
    `import { promptPassword } from ${JSON.stringify(SOURCE)};`,
    `promptPassword().then(`,
    `  (password) => writeFileSync(process.argv[2], JSON.stringify({ password })),`,
    `  (error) => writeFileSync(process.argv[2], JSON.stringify({ code: error.code, message: error.message })));`,
  ].join('\n'));
  driver = join(dir, 'driver.mjs');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: driver,
    logLevel: 'silent' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let runs = 0;
const onTerminal = async (keys: string): Promise<{ screen: string; result: Record<string, string> }> => {
  const out = join(dir, `result-${++runs}.json`);
  const run = spawnSync('python3', [PTY_RUN, JSON.stringify(keys), process.execPath, driver, out],
    { encoding: 'utf8', timeout: 30_000 });
  expect(run.status, run.stderr).toBe(0);
  const { screen, typed } = JSON.parse(run.stdout) as { screen: string; typed: boolean };
  expect(typed, `the prompt never appeared: ${JSON.stringify(screen)}`).toBe(true);
  return { screen, result: JSON.parse(await readFile(out, 'utf8')) as Record<string, string> };
};

describe('promptPassword on a terminal', () => {
  it('reads the password without echoing it', async () => {
    const { screen, result } = await onTerminal('s3cret-Zq9\r');
    expect(result).toEqual({ password: 's3cret-Zq9' });
    expect(screen.startsWith('Password: ')).toBe(true);
    expect(screen).not.toContain('s3cret');
  });

  it('handles Backspace, Ctrl-U and non-ASCII input', async () => {
    expect((await onTerminal('abx\x7fc\r')).result).toEqual({ password: 'abc' });
    expect((await onTerminal('junk\x15pässwörd\n')).result).toEqual({ password: 'pässwörd' });
  });

  it('is cancelled by Ctrl-C', async () => {
    const { result } = await onTerminal('par\x03');
    expect(result['code']).toBe('auth-prompt-cancelled');
  });
});

describe('promptPassword without a terminal', () => {
  const refusal = async (ttyPath: string): Promise<AuthenticationError> => {
    try {
      await promptPassword({ ttyPath });
    } catch (error) {
      expect(error).toBeInstanceOf(AuthenticationError);
      return error as AuthenticationError;
    }
    throw new Error('expected a refusal');
  };

  it('fails cleanly when the path is not a terminal or does not exist', async () => {
    const notTty = await refusal('/dev/null');
    expect(notTty.code).toBe('auth-no-terminal');
    expect(notTty.message).toBe('Cannot prompt for a password: /dev/null is not a terminal');
    expect(notTty.hint).toContain('PGPASSWORD');
    expect((await refusal(join(dir, 'missing-tty'))).code).toBe('auth-no-terminal');
  });

  it('fails cleanly in a process that has no controlling terminal', async () => {
    const out = join(dir, 'no-ctty.json');
    const run = spawnSync('setsid', [process.execPath, driver, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run.status).toBe(0);
    const result = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
    expect(result).toEqual({ code: 'auth-no-terminal',
      message: 'Cannot prompt for a password: no controlling terminal' });
  });
});
