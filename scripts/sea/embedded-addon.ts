// Runs inside the single executable only (scripts/build-exe.mjs bundles it in place of the
// native add-ons). Node can dlopen an add-on only from a file, so its bytes, embedded as a SEA
// asset, are written once into a directory private to the user and loaded from there.
//
// Loading happens on first use, not at start-up: a tool that never computes a CRC-32C or an
// LZ4 frame works even where no such directory can be made (TMPDIR unwritable, noexec).
import { lstatSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAsset } from 'node:sea';
import { WarmstandbyError } from '../../src/core/errors.js';

/** What the build recorded about one embedded add-on. */
export interface EmbeddedAddon {
  /** The npm package it replaces, for messages. */
  readonly module: string;
  /** SEA asset key; also the file name's suffix. */
  readonly asset: string;
  /** First hex digits of the SHA-256 of the bytes: a new build never reuses an old file. */
  readonly digest: string;
  readonly size: number;
}

/** Codes of the single executable's embedded native modules. */
export const SeaErrorCode = {
  /** An embedded module could not be written out or loaded. */
  embeddedModuleUnavailable: 'embedded-module-unavailable',
} as const;

declare module '../../src/core/errors.js' {
  interface ErrorCodeTables {
    sea: typeof SeaErrorCode;
  }
}

export class EmbeddedModuleError extends WarmstandbyError {
  constructor(module: string, reason: string, cause: unknown) {
    super('embedded-module-unavailable', `Cannot load the embedded module ${module}: ${reason}`, {
      cause,
      hint: 'Set TMPDIR to a writable directory on a file system not mounted noexec.',
    });
  }
}

const loaded = new Map<string, unknown>();

/** One line; Node's ", mkdir '/path'" tail is dropped, the message names the path already. */
const firstLine = (error: unknown): string =>
  ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').replace(/, \w+ '[^']*'$/, '');

/** The directory for extracted add-ons: made 0700, and refused unless it is ours alone. */
const privateDirectory = (addon: EmbeddedAddon): string => {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `warmstandby-addons-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new EmbeddedModuleError(addon.module, `cannot create ${dir} (${firstLine(error)})`, error);
  }
  // lstat: a symbolic link planted by another user is refused, never followed.
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new EmbeddedModuleError(addon.module, `${dir} is not a directory private to this user`, undefined);
  }
  return dir;
};

const hasExpectedSize = (file: string, size: number): boolean => {
  try {
    return statSync(file).size === size;
  } catch {
    return false;
  }
};

const extract = (addon: EmbeddedAddon, file: string): void => {
  // A temporary name and a rename: a concurrent hook never dlopens a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.from(getAsset(addon.asset)), { mode: 0o700 });
    renameSync(tmp, file);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
    throw new EmbeddedModuleError(addon.module, `cannot write ${file} (${firstLine(error)})`, error);
  }
};

export const loadEmbeddedAddon = (addon: EmbeddedAddon): unknown => {
  const cached = loaded.get(addon.asset);
  if (cached !== undefined) return cached;
  const file = join(privateDirectory(addon), `${addon.digest}-${addon.asset}`);
  // The size catches a file cut short by a crash; the digest in the name covers content.
  if (!hasExpectedSize(file, addon.size)) extract(addon, file);
  const mod = { exports: {} as unknown };
  try {
    process.dlopen(mod, file);
  } catch (error) {
    // dlerror() starts with the file name, which the message gives already.
    const reason = firstLine(error).replace(`${file}: `, '');
    throw new EmbeddedModuleError(addon.module, `cannot load ${file} (${reason})`, error);
  }
  loaded.set(addon.asset, mod.exports);
  return mod.exports;
};
