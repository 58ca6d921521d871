import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../../../../src/core/pg/connection/results.js';
import type { PgConnection } from '../../../../src/core/pg/connection/pg-connection.js';
import {
  type BackupArchiveSink, type BaseBackupHandlers, receiveBaseBackup,
} from '../../../../src/core/pg/replication/base-backup-receiver.js';

// A scripted server: the receiver's states are judged on response orders a real PostgreSQL
// never sends (a lying or broken server), which only a stand-in can produce. Real servers'
// responses are covered by the basebackup integration tests on every major.
type Step =
  | { readonly result: QueryResult }
  | { readonly copyStart: number }
  | { readonly copyEnd: number }
  | { readonly payload: Buffer };

const result = (...rows: (string | null)[][]): { result: QueryResult } => ({
  result: { command: 'SELECT', fields: [{ name: 'a', typeOid: 25 }, { name: 'b', typeOid: 25 }], rows },
});
const START = result(['0/2000028', '1']);
const TABLESPACES = result([null, null, '100']);
const END = result(['0/2000100', '1']);

const typed = (kind: string, body: Buffer = Buffer.alloc(0)): { payload: Buffer } => ({ payload: Buffer.concat([Buffer.from(kind), body]) });
const newArchive = (name: string): { payload: Buffer } => typed('n', Buffer.from(`${name}\0\0`));
const data = (text: string): { payload: Buffer } => typed('d', Buffer.from(text));

const server = (version: number, steps: readonly Step[]): PgConnection => ({
  serverVersionNum: version,
  copyOut: (_sql: string, handlers: { onResult: (r: QueryResult) => void; onCopyStart: (i: number) => void; onCopyEnd: (i: number) => void }) => ({
    [Symbol.asyncIterator]: () => {
      let at = 0;
      return {
        next: async (): Promise<IteratorResult<Buffer>> => {
          for (let step = steps[at]; step !== undefined; step = steps[++at]) {
            if ('payload' in step) {
              at += 1;
              return { done: false, value: step.payload };
            }
            if ('result' in step) handlers.onResult(step.result);
            else if ('copyStart' in step) handlers.onCopyStart(step.copyStart);
            else handlers.onCopyEnd(step.copyEnd);
          }
          return { done: true, value: undefined };
        },
      };
    },
  }),
}) as unknown as PgConnection;

const recorder = (injectManifest = false) => {
  const seen: string[] = [];
  const sink = (name: string): BackupArchiveSink => ({
    push: async (chunk) => void seen.push(`${name}: ${chunk.toString()}`),
    finish: async () => void seen.push(`${name} finished`),
    injectManifest: async (content) => void seen.push(`${name} gets manifest ${content.toString()}`),
    abandon: () => void seen.push(`${name} abandoned`),
  });
  const handlers: BaseBackupHandlers = {
    injectManifest,
    onHeader: async (header) => void seen.push(`header ${header.startLsnText}`),
    openArchive: async (name) => sink(name),
    openManifest: async () => ({ write: (chunk: Buffer) => void seen.push(`manifest: ${chunk.toString()}`), close: async () => void seen.push('manifest closed') }),
    onProgress: () => undefined,
    check: () => undefined,
  };
  return { seen, handlers };
};

describe('BASE_BACKUP receiver (15+: one CopyOut of typed messages)', () => {
  it('routes archives, the manifest and the end position', async () => {
    const { seen, handlers } = recorder();
    const outcome = await receiveBaseBackup(server(160000, [
      START, TABLESPACES, { copyStart: 0 }, newArchive('base.tar'), data('abc'), typed('p', Buffer.alloc(8)),
      typed('m'), data('{manifest}'), { copyEnd: 0 }, END,
    ]), 'BASE_BACKUP', handlers);
    expect(outcome.endLsnText).toBe('0/2000100');
    expect(seen).toEqual(['header 0/2000028', 'base.tar: abc', 'manifest: {manifest}', 'manifest closed', 'base.tar finished']);
  });

  it.each([
    ['data before any archive', [START, TABLESPACES, { copyStart: 0 }, data('x')], 'unexpected payload data'],
    ['an archive after the manifest', [START, TABLESPACES, { copyStart: 0 }, newArchive('base.tar'), typed('m'), newArchive('1.tar')], 'archives must precede manifest'],
    ['a COPY before the header', [START, { copyStart: 0 }, newArchive('base.tar')], 'could not get backup header: COPY before the header'],
    ['data after the COPY ended', [START, TABLESPACES, { copyStart: 0 }, newArchive('base.tar'), { copyEnd: 0 }, data('x')], 'unexpected payload data'],
    ['no end position', [START, TABLESPACES, { copyStart: 0 }, newArchive('base.tar'), { copyEnd: 0 }], 'no write-ahead log end position returned from server'],
  ] as const)('refuses %s', async (_what, steps, message) => {
    const { handlers } = recorder();
    await expect(receiveBaseBackup(server(160000, steps as readonly Step[]), 'BASE_BACKUP', handlers)).rejects.toThrow(message);
  });
});

describe('BASE_BACKUP receiver (before 15: a raw tar CopyOut per tablespace, then the manifest)', () => {
  it('keeps the only archive open for the manifest injected into it (-D -)', async () => {
    const { seen, handlers } = recorder(true);
    await receiveBaseBackup(server(140000, [
      START, TABLESPACES, { copyStart: 0 }, { payload: Buffer.from('tar') }, { copyEnd: 0 },
      { copyStart: 1 }, { payload: Buffer.from('{m}') }, { copyEnd: 1 }, END,
    ]), 'BASE_BACKUP', handlers);
    expect(seen).toEqual(['header 0/2000028', 'base.tar: tar', 'base.tar gets manifest {m}', 'base.tar finished']);
  });

  it('abandons an archive cut off before its COPY ended', async () => {
    const { seen, handlers } = recorder();
    const failing = { ...handlers, check: () => {
      if (seen.includes('base.tar: tar')) throw new Error('interrupted');
    } };
    await expect(receiveBaseBackup(server(140000, [
      START, TABLESPACES, { copyStart: 0 }, { payload: Buffer.from('tar') }, { payload: Buffer.from('more') },
    ]), 'BASE_BACKUP', failing)).rejects.toThrow('interrupted');
    expect(seen.at(-1)).toBe('base.tar abandoned');
  });
});
