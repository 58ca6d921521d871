import { open, type FileHandle } from 'node:fs/promises';
import { withFsError } from './fs-error.js';

const CHUNK = 1024 * 1024;

/** Whether two files have the same bytes, reading both in 1 MB chunks (sizes first). */
export async function filesEqual(a: string, b: string): Promise<boolean> {
  const first = await withFsError('open file', a, () => open(a, 'r'));
  try {
    const second = await withFsError('open file', b, () => open(b, 'r'));
    try {
      return await handlesEqual(first, a, second, b);
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
}

const handlesEqual = async (first: FileHandle, a: string, second: FileHandle, b: string): Promise<boolean> => {
  const [statA, statB] = await Promise.all([
    withFsError('stat file', a, () => first.stat()),
    withFsError('stat file', b, () => second.stat()),
  ]);
  if (statA.size !== statB.size) return false;
  const bufA = Buffer.allocUnsafe(CHUNK);
  const bufB = Buffer.allocUnsafe(CHUNK);
  let position = 0;
  for (;;) {
    const [readA, readB] = await Promise.all([
      withFsError('read file', a, () => readFully(first, bufA, position)),
      withFsError('read file', b, () => readFully(second, bufB, position)),
    ]);
    if (readA !== readB) return false;
    if (readA === 0) return true;
    if (bufA.compare(bufB, 0, readB, 0, readA) !== 0) return false;
    position += readA;
  }
};

/** Fills `buffer` from `position` unless the file ends first; returns the bytes read. */
export const readFully = async (handle: FileHandle, buffer: Buffer, position: number): Promise<number> => {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
};
