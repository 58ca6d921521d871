// XXH32 (xxHash's 32-bit hash), the checksum of the LZ4 frame format: its header checksum
// byte, its optional block checksums and its content checksum. In JavaScript on 32-bit
// integers (Math.imul): a segment's 16 MB hash in a few ms, without loading a native module
// for the restore path that otherwise needs none.

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);

/** Whole 32-bit words can be read through an Int32Array view only where the host is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const wordAt = (data: Uint8Array, at: number): number =>
  (data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16) | ((data[at + 3] as number) << 24);

/** XXH32 of `data` with `seed`, as an unsigned 32-bit number. */
export const xxhash32 = (data: Uint8Array, seed = 0): number => {
  const length = data.length;
  let at = 0;
  let h: number;
  if (length >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const stripes = length - (length % 16);
    if (LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
      // Aligned: the lanes straight from memory, four loads fewer per word.
      const words = new Int32Array(data.buffer, data.byteOffset, stripes / 4);
      for (let w = 0; w < words.length; w += 4) {
        v1 = round(v1, words[w] as number);
        v2 = round(v2, words[w + 1] as number);
        v3 = round(v3, words[w + 2] as number);
        v4 = round(v4, words[w + 3] as number);
      }
    } else {
      for (let i = 0; i < stripes; i += 16) {
        v1 = round(v1, wordAt(data, i));
        v2 = round(v2, wordAt(data, i + 4));
        v3 = round(v3, wordAt(data, i + 8));
        v4 = round(v4, wordAt(data, i + 12));
      }
    }
    at = stripes;
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + length) | 0;
  for (; at + 4 <= length; at += 4) h = Math.imul(rotl((h + Math.imul(wordAt(data, at), PRIME3)) | 0, 17), PRIME4);
  for (; at < length; at += 1) h = Math.imul(rotl((h + Math.imul(data[at] as number, PRIME5)) | 0, 11), PRIME1);
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
};
