import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { EmbeddedModuleError, SeaErrorCode } from '../../scripts/sea/embedded-addon.js';
import { ArchiveErrorCode } from '../../src/core/archive/error-codes.js';
import { S3Error } from '../../src/core/archive/s3/s3-client.js';
import { BackupErrorCode } from '../../src/core/backup/error-codes.js';
import { CliErrorCode } from '../../src/core/cli/error-codes.js';
import { CompressionError, CompressionErrorCode } from '../../src/core/compression/compression-error.js';
import { DockerErrorCode } from '../../src/core/docker/error-codes.js';
import {
  DaemonConfigError,
  DaemonUnreachableError,
  DockerApiError,
  DockerExitStatus,
  RefusedError,
} from '../../src/core/docker/errors.js';
import {
  CoreErrorCode,
  FileSystemError,
  isWarmstandbyError,
  ProtocolError,
  UsageError,
  ValidationError,
  WarmstandbyError,
} from '../../src/core/errors.js';
import { FsErrorCode } from '../../src/core/fs/fs-error.js';
import { AuthenticationError, AuthenticationErrorCode } from '../../src/core/pg/auth/authentication-error.js';
import { ConnectionError, ConnectionErrorCode, PgServerError, PgServerErrorCode } from '../../src/core/pg/connection/errors.js';
import { ConninfoError, ConninfoErrorCode } from '../../src/core/pg/conninfo/conninfo-error.js';
import { ReplicationErrorCode } from '../../src/core/pg/replication/error-codes.js';
import { ServerFileErrorCode } from '../../src/core/pg/server-files/error-codes.js';
import { ServerFileError } from '../../src/core/pg/server-files/server-file-error.js';
import { RejectedWalError } from '../../src/core/wal/copy-wal-stream.js';
import { WalErrorCode } from '../../src/core/wal/error-codes.js';
import { ArchivecleanupErrorCode } from '../../src/tools/archivecleanup/error-codes.js';
import { ArchivewalErrorCode } from '../../src/tools/archivewal/error-codes.js';
import { BackupError } from '../../src/tools/basebackup/connection.js';
import { BasebackupErrorCode } from '../../src/tools/basebackup/error-codes.js';
import { LiveRestoreErrorCode } from '../../src/tools/live-restore/error-codes.js';
import { PromoteErrorCode } from '../../src/tools/promote/error-codes.js';
import { FatalStreamError } from '../../src/tools/receivewal/errors.js';
import { ReceivewalErrorCode } from '../../src/tools/receivewal/error-codes.js';
import { ReplstatusErrorCode } from '../../src/tools/replstatus/error-codes.js';
import { RestorewalErrorCode } from '../../src/tools/restorewal/error-codes.js';
import { RestoreExit } from '../../src/tools/restorewal/exit-status.js';
import { NotInArchiveError } from '../../src/tools/restorewal/fetch-verified.js';

const root = join(import.meta.dirname, '..', '..');

/** Every table registered in ErrorCodeTables, by its registration key. */
const tables: Record<string, Readonly<Record<string, string>>> = {
  core: CoreErrorCode,
  cli: CliErrorCode,
  fs: FsErrorCode,
  wal: WalErrorCode,
  archive: ArchiveErrorCode,
  backup: BackupErrorCode,
  compression: CompressionErrorCode,
  docker: DockerErrorCode,
  authentication: AuthenticationErrorCode,
  connection: ConnectionErrorCode,
  pgServer: PgServerErrorCode,
  conninfo: ConninfoErrorCode,
  replication: ReplicationErrorCode,
  serverFiles: ServerFileErrorCode,
  archivecleanup: ArchivecleanupErrorCode,
  archivewal: ArchivewalErrorCode,
  basebackup: BasebackupErrorCode,
  liveRestore: LiveRestoreErrorCode,
  promote: PromoteErrorCode,
  receivewal: ReceivewalErrorCode,
  replstatus: ReplstatusErrorCode,
  restorewal: RestorewalErrorCode,
  sea: SeaErrorCode,
};

const sourceFiles = (): string[] =>
  ['src', 'scripts'].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(dir, file)));

describe('the error catalogue', () => {
  it('lists every table registered in ErrorCodeTables (a new table must be added here)', () => {
    const registered = sourceFiles().flatMap((file) => {
      const text = readFileSync(join(root, file), 'utf8');
      return [...text.matchAll(/interface ErrorCodeTables \{\s*(\w+):/g)].map((match) => match[1]);
    });
    expect(registered.sort()).toEqual(Object.keys(tables).sort());
  });

  it('gives each code one table, in kebab case', () => {
    const owners = new Map<string, string>();
    for (const [table, codes] of Object.entries(tables)) {
      for (const code of Object.values(codes)) {
        expect(code, `${table}: ${code}`).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        expect(owners.get(code), `"${code}" is in ${owners.get(code)} and ${table}`).toBeUndefined();
        owners.set(code, table);
      }
    }
    expect(owners.size).toBeGreaterThan(150);
  });

  it('names every error class once, so instanceof by name cannot confuse two', () => {
    const names = sourceFiles().flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/class (\w+) extends (\w+Error)\b/g)].map((match) => match[1]));
    expect(names.length).toBeGreaterThanOrEqual(20);
    expect(new Set(names).size).toBe(names.length);
  });
});

/** Each error class, made as its throw sites make it: its code, exit status and ancestry. */
const classes: ReadonlyArray<{
  readonly make: () => WarmstandbyError;
  readonly name: string;
  readonly code: string;
  readonly exitStatus: number;
  readonly ancestors: readonly (abstract new (...args: never[]) => unknown)[];
}> = [
  { make: () => new UsageError('bad'), name: 'UsageError', code: 'usage', exitStatus: 1, ancestors: [UsageError] },
  { make: () => new ProtocolError('bad'), name: 'ProtocolError', code: 'protocol', exitStatus: 1, ancestors: [ProtocolError] },
  { make: () => new ValidationError('invalid-lsn', 'bad'), name: 'ValidationError', code: 'invalid-lsn', exitStatus: 1, ancestors: [ValidationError] },
  { make: () => new FileSystemError('disk-full', 'bad', '/x'), name: 'FileSystemError', code: 'disk-full', exitStatus: 1, ancestors: [FileSystemError] },
  { make: () => new RejectedWalError(new ValidationError('foreign-wal', 'bad')), name: 'RejectedWalError', code: 'foreign-wal', exitStatus: 1, ancestors: [RejectedWalError, ValidationError] },
  { make: () => new CompressionError('corrupt-compressed-data', 'bad'), name: 'CompressionError', code: 'corrupt-compressed-data', exitStatus: 1, ancestors: [CompressionError] },
  { make: () => new S3Error('s3-error', 'bad', 500, 'InternalError', true), name: 'S3Error', code: 's3-error', exitStatus: 1, ancestors: [S3Error] },
  { make: () => new AuthenticationError('auth-scram-nonce', 'bad'), name: 'AuthenticationError', code: 'auth-scram-nonce', exitStatus: 1, ancestors: [AuthenticationError] },
  { make: () => new ConnectionError('connection-lost', 'bad'), name: 'ConnectionError', code: 'connection-lost', exitStatus: 1, ancestors: [ConnectionError] },
  { make: () => new PgServerError({ C: '28P01', M: 'bad' }), name: 'PgServerError', code: 'authentication-failed', exitStatus: 1, ancestors: [PgServerError] },
  { make: () => new PgServerError({ C: '42501', M: 'bad' }), name: 'PgServerError', code: 'server-error', exitStatus: 1, ancestors: [PgServerError] },
  { make: () => new ConninfoError('conninfo-syntax', 'bad'), name: 'ConninfoError', code: 'conninfo-syntax', exitStatus: 1, ancestors: [ConninfoError] },
  { make: () => new ServerFileError('pid-file-empty', 'bad', '/x'), name: 'ServerFileError', code: 'pid-file-empty', exitStatus: 1, ancestors: [ServerFileError] },
  { make: () => new DaemonUnreachableError('bad'), name: 'DaemonUnreachableError', code: 'daemon-unreachable', exitStatus: DockerExitStatus.unreachable, ancestors: [DaemonUnreachableError] },
  { make: () => new DockerApiError('bad', 500), name: 'DockerApiError', code: 'docker-api', exitStatus: DockerExitStatus.refused, ancestors: [DockerApiError] },
  { make: () => new DaemonConfigError('invalid-json', 'bad', { path: '/x' }), name: 'DaemonConfigError', code: 'invalid-json', exitStatus: DockerExitStatus.refused, ancestors: [DaemonConfigError] },
  { make: () => new RefusedError('swarm-active', 'bad'), name: 'RefusedError', code: 'swarm-active', exitStatus: DockerExitStatus.refused, ancestors: [RefusedError] },
  { make: () => new BackupError('verify-failed', 'bad'), name: 'BackupError', code: 'verify-failed', exitStatus: 1, ancestors: [BackupError] },
  { make: () => new FatalStreamError('slot-missing', 'bad'), name: 'FatalStreamError', code: 'slot-missing', exitStatus: 1, ancestors: [FatalStreamError] },
  { make: () => new NotInArchiveError('000000010000000000000001', '/a'), name: 'NotInArchiveError', code: 'not-in-archive', exitStatus: RestoreExit.notInArchive, ancestors: [NotInArchiveError] },
  { make: () => new EmbeddedModuleError('lz4-napi', 'bad', undefined), name: 'EmbeddedModuleError', code: 'embedded-module-unavailable', exitStatus: 1, ancestors: [EmbeddedModuleError] },
];

describe.each(classes)('$name ($code)', ({ make, name, code, exitStatus, ancestors }) => {
  const error = make();
  it(`has code ${code} and exit status ${exitStatus}`, () => {
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.exitStatus).toBe(exitStatus);
    expect(Object.values(tables).some((table) => Object.values(table).includes(code))).toBe(true);
  });
  it('is an instance of its classes and of WarmstandbyError, and of no other error class', () => {
    for (const ancestor of ancestors) expect(error).toBeInstanceOf(ancestor);
    expect(error).toBeInstanceOf(WarmstandbyError);
    expect(error).toBeInstanceOf(Error);
    expect(isWarmstandbyError(error)).toBe(true);
    const others = classes.map((entry) => entry.ancestors[0]).filter((other) => !ancestors.includes(other as never));
    for (const other of others) expect(error instanceof (other as new () => unknown)).toBe(false);
  });
});

describe('instanceof across copies of the error classes (the quick bundles carry their own)', () => {
  it('judges an error made by a bundled copy as the class it is, and as no other', async () => {
    // The same bundling as scripts/bundle-quick-paths.mjs: a second, separate copy of the classes.
    const bundled = await build({
      stdin: {
        contents: [
          "export { CompressionError } from './src/core/compression/compression-error.ts';",
          "export { ValidationError } from './src/core/errors.ts';",
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      keepNames: true,
      logLevel: 'silent',
    });
    const module = { exports: {} as Record<string, new (...args: never[]) => Error> };
    new Function('module', 'exports', 'require', bundled.outputFiles[0]!.text)(module, module.exports, require);
    const CopiedCompressionError = module.exports['CompressionError'] as unknown as typeof CompressionError;
    const CopiedValidationError = module.exports['ValidationError'] as unknown as typeof ValidationError;
    expect(CopiedCompressionError).not.toBe(CompressionError);

    const copied = new CopiedCompressionError('corrupt-compressed-data', 'bad');
    expect(copied).toBeInstanceOf(CompressionError);
    expect(copied).toBeInstanceOf(WarmstandbyError);
    expect(copied).not.toBeInstanceOf(ValidationError);
    expect(isWarmstandbyError(copied)).toBe(true);
    // And the other way round: the copy's classes recognise the tool's errors.
    expect(new RejectedWalError(new ValidationError('foreign-wal', 'bad'))).toBeInstanceOf(CopiedValidationError);
    expect(new CompressionError('corrupt-compressed-data', 'bad')).not.toBeInstanceOf(CopiedValidationError);
    // Plain values are no errors of ours.
    for (const value of [undefined, null, 0, 'usage', {}, new Error('x'), { [Symbol.for('warmstandby.error')]: true }]) {
      expect(value instanceof WarmstandbyError).toBe(false);
    }
  });
});
