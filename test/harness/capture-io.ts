import { PassThrough } from 'node:stream';
import type { ToolIO } from '../../src/core/cli/io.js';

export interface CapturedIO extends ToolIO {
  readonly out: () => string;
  readonly err: () => string;
}

/** In-memory stdout/stderr for running a tool's main() in-process. */
export const captureIO = (cwd: string, env: NodeJS.ProcessEnv = {}): CapturedIO => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { stdout, stderr, env: { NO_COLOR: '1', ...env }, cwd, out: () => out, err: () => err };
};
