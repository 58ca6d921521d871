import { closeSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ReadStream, isatty } from 'node:tty';

import { AuthenticationError, AuthenticationErrorCode } from '../pg/auth/authentication-error.js';

export interface PasswordPromptOptions {
  /** What to print before reading; libpq's front ends print "Password: ". */
  readonly prompt?: string;
  /** The controlling terminal; tests point it elsewhere. */
  readonly ttyPath?: string;
  readonly signal?: AbortSignal;
}

const noTerminal = (reason: string): AuthenticationError =>
  new AuthenticationError(
    AuthenticationErrorCode.noTerminal,
    `Cannot prompt for a password: ${reason}`,
    { hint: 'Without a terminal, give the password in PGPASSWORD or ~/.pgpass, or use -w.' },
  );

const cancelled = (): AuthenticationError =>
  new AuthenticationError(AuthenticationErrorCode.promptCancelled,
    'Cannot prompt for a password: cancelled', { exitStatus: 130 });

/**
 * Reads a password from the controlling terminal without echoing it, like libpq's
 * simple_prompt: the prompt goes to the terminal (not stdout, which may be a pipe), input ends
 * at Enter, Backspace and Ctrl-U edit, Ctrl-C or Ctrl-D on an empty line cancel. Unlike
 * simple_prompt it never falls back to reading stdin: without a terminal it throws, so a
 * password can never be swallowed from a pipe meant for something else.
 */
export const promptPassword = async (options: PasswordPromptOptions = {}): Promise<string> => {
  const ttyPath = options.ttyPath ?? '/dev/tty';
  if (options.signal?.aborted === true) throw cancelled();
  let fd: number;
  try {
    fd = openSync(ttyPath, 'r+');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw noTerminal(code === 'ENXIO' ? 'no controlling terminal' : `cannot open ${ttyPath} (${code})`);
  }
  if (!isatty(fd)) {
    closeSync(fd);
    throw noTerminal(`${ttyPath} is not a terminal`);
  }
  const input = new ReadStream(fd);
  const restore = (): void => {
    input.setRawMode(false);
    input.destroy();
  };
  try {
    writeSync(fd, options.prompt ?? 'Password: ');
    input.setRawMode(true);
  } catch (error) {
    restore();
    throw noTerminal(`cannot use the terminal (${(error as Error).message})`);
  }
  return new Promise<string>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let password = '';
    let settled = false;
    const finish = (error?: AuthenticationError): void => {
      if (settled) return;
      settled = true;
      input.off('data', onData);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        writeSync(fd, '\n');
      } catch {
        // The terminal went away; the answer (or the error) still stands.
      }
      restore();
      if (error === undefined) resolve(password);
      else reject(error);
    };
    const onAbort = (): void => finish(cancelled());
    const onData = (chunk: Buffer): void => {
      for (const ch of decoder.write(chunk)) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\x03') return finish(cancelled());
        if (ch === '\x04') {
          if (password === '') return finish(cancelled());
          continue;
        }
        if (ch === '\x7f' || ch === '\b') password = [...password].slice(0, -1).join('');
        else if (ch === '\x15') password = '';
        else if (ch >= ' ') password += ch;
      }
    };
    input.on('data', onData);
    input.on('error', () => finish(noTerminal('the terminal closed')));
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
};
