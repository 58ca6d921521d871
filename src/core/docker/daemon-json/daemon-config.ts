import { lstat, open, realpath, stat } from 'node:fs/promises';
import { FileSystemError } from '../../errors.js';
import { fileSystemError, errnoOf } from '../../fs/fs-error.js';
import { DaemonConfigError, DockerExitStatus } from '../errors.js';
import type { MajorMinor } from '../version-rule.js';
import {
  JsonSyntaxError,
  lineColumnAt,
  parseJsonWithPositions,
  type JsonMember,
  type JsonNode,
  type JsonObjectNode,
} from './json-positions.js';
import { findUnknownKeys } from './known-keys.js';

/** daemon.json as found on disk: its bytes and the metadata an edit must keep. */
export interface DaemonConfigFile {
  readonly path: string;
  /** Where the bytes live (a symlinked daemon.json is edited at its target). */
  readonly realPath: string;
  readonly exists: boolean;
  readonly bytes: Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** dockerd reads daemon.json whole; real ones are a few kB. */
export const MAX_DAEMON_JSON_BYTES = 1024 * 1024;

/** At most `limit` bytes (the file may grow between stat and read); more is refused. */
const readBounded = async (path: string, limit: number): Promise<Buffer> => {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > limit) throw new DaemonConfigError('daemon-json-too-large', `Cannot read "${path}": more than ${limit} bytes`, { path });
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
};

/** Reads the file; an absent file is an empty configuration, as dockerd treats it. */
export async function readDaemonConfigFile(path: string): Promise<DaemonConfigFile> {
  let realPath = path;
  try {
    if ((await lstat(path)).isSymbolicLink()) realPath = await realpath(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { path, realPath, exists: false, bytes: Buffer.alloc(0) };
    throw accessError(error, 'read file', path);
  }
  try {
    // A FIFO or a link to /dev/zero would never end; a regular file of bounded size only.
    const info = await stat(realPath);
    if (!info.isFile()) throw new DaemonConfigError('daemon-json-not-file', `Cannot read "${path}": not a regular file`, { path });
    if (info.size > MAX_DAEMON_JSON_BYTES) {
      throw new DaemonConfigError('daemon-json-too-large', `Cannot read "${path}": ${info.size} bytes, more than a daemon.json holds`, {
        path,
      });
    }
    const bytes = await readBounded(realPath, MAX_DAEMON_JSON_BYTES);
    return { path, realPath, exists: true, bytes, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } catch (error) {
    if (error instanceof DaemonConfigError) throw error;
    if (errnoOf(error) === 'ENOENT') return { path, realPath, exists: false, bytes: Buffer.alloc(0) };
    throw accessError(error, 'read file', path);
  }
}

/** A file-system failure on daemon.json, with the Docker tools' exit status for file access. */
export const accessError = (error: unknown, action: string, path: string): FileSystemError => {
  const denied = errnoOf(error) === 'EACCES' || errnoOf(error) === 'EPERM';
  // A FileSystemError from a helper names its own (temporary) path: name ours instead.
  const original = error instanceof FileSystemError && error.cause !== undefined ? error.cause : error;
  const wrapped = fileSystemError(original, action, path);
  return new FileSystemError(wrapped.code, wrapped.message, path, {
    exitStatus: DockerExitStatus.fileAccess,
    cause: error,
    ...(denied ? { hint: 'Run as root (or as the user that owns the file).' } : {}),
  });
};

/** Something in the file that would stop dockerd from starting, or stop us from editing. */
export interface ConfigProblem {
  readonly code:
    | 'invalid-encoding'
    | 'byte-order-mark'
    | 'empty-file'
    | 'invalid-json'
    | 'not-an-object'
    | 'unknown-key'
    | 'duplicate-key'
    | 'not-a-boolean';
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export interface DaemonConfigAnalysis {
  readonly exists: boolean;
  readonly text: string;
  /** Undefined when the file is absent or not a JSON object. */
  readonly root: JsonObjectNode | undefined;
  readonly problems: readonly ConfigProblem[];
}

/**
 * Parses the file the way dockerd 20.10+ does and lists every reason it would refuse it:
 * dockerd refuses an empty file, a UTF-8 byte order mark, invalid JSON, a top level that is
 * not an object, and keys that match no option.
 */
export const analyzeDaemonConfig = (file: Pick<DaemonConfigFile, 'exists' | 'bytes'>, version?: MajorMinor): DaemonConfigAnalysis => {
  if (!file.exists) return { exists: false, text: '', root: undefined, problems: [] };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.bytes);
  } catch {
    return problemOnly('', { code: 'invalid-encoding', message: 'the file is not valid UTF-8', line: 1, column: 1 });
  }
  if (text.startsWith('\ufeff')) {
    return problemOnly(text, {
      code: 'byte-order-mark',
      message: 'the file starts with a UTF-8 byte order mark, which dockerd rejects',
      line: 1,
      column: 1,
    });
  }
  if (text.trim() === '') {
    return problemOnly(text, {
      code: 'empty-file',
      message: 'the file is empty; dockerd refuses an empty file (write {} instead)',
      line: 1,
      column: 1,
    });
  }
  let node: JsonNode;
  try {
    node = parseJsonWithPositions(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return problemOnly(text, { code: 'invalid-json', message: `invalid JSON: ${error.message}`, line: error.line, column: error.column });
  }
  if (node.kind !== 'object') {
    const at = lineColumnAt(text, node.start);
    return problemOnly(text, { code: 'not-an-object', message: `the top level is ${node.kind === 'array' ? 'an array' : `a ${node.kind}`}, not an object`, ...at });
  }
  const problems: ConfigProblem[] = [];
  for (const member of findUnknownKeys(node, version)) {
    problems.push({
      code: 'unknown-key',
      message: `unknown key "${member.key}": dockerd does not start with a key that matches no option`,
      ...lineColumnAt(text, member.keyStart),
    });
  }
  const live = node.members.filter((m) => m.key === 'live-restore');
  for (const extra of live.slice(1)) {
    problems.push({ code: 'duplicate-key', message: 'the key "live-restore" appears more than once', ...lineColumnAt(text, extra.keyStart) });
  }
  for (const member of live) {
    if (member.value.kind !== 'boolean') {
      problems.push({ code: 'not-a-boolean', message: `"live-restore" must be true or false, not ${member.value.kind}`, ...lineColumnAt(text, member.value.start) });
    }
  }
  return { exists: true, text, root: node, problems };
};

const problemOnly = (text: string, problem: ConfigProblem): DaemonConfigAnalysis => ({
  exists: true,
  text,
  root: undefined,
  problems: [problem],
});

/** The last member named `key` (Go's decoder keeps the last of duplicates). */
export const topLevelMember = (root: JsonObjectNode | undefined, key: string): JsonMember | undefined =>
  root?.members.filter((m) => m.key === key).at(-1);

export const topLevelBoolean = (root: JsonObjectNode | undefined, key: string): boolean | undefined => {
  const node = topLevelMember(root, key)?.value;
  return node?.kind === 'boolean' ? node.value : undefined;
};

export const topLevelString = (root: JsonObjectNode | undefined, key: string): string | undefined => {
  const node = topLevelMember(root, key)?.value;
  return node?.kind === 'string' ? node.value : undefined;
};

/** The keys present at the top level, in file order, without repeats. */
export const topLevelKeys = (root: JsonObjectNode | undefined): string[] => [
  ...new Set(root?.members.map((m) => m.key) ?? []),
];
