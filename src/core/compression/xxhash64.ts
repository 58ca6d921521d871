/**
 * XXH64 (seed 0), the content checksum of the zstd frame format. The wasm zstd build offers
 * no checksum of its own, so frames we write get it appended here (zstd-checksum.ts). 64-bit
 * arithmetic runs on pairs of 32-bit halves: BigInt would be far too slow for 16 MB segments.
 */
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Result registers of the helpers below (no allocation in the hot loop).
let rh = 0;
let rl = 0;

const mul = (ah: number, al: number, bh: number, bl: number): void => {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  rh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
};

const add = (ah: number, al: number, bh: number, bl: number): void => {
  const low = al + bl;
  rl = low >>> 0;
  rh = (ah + bh + (low > 0xffffffff ? 1 : 0)) >>> 0;
};

/** Rotate left by r (0 < r < 32). */
const rotl = (h: number, l: number, r: number): void => {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
};

/** acc = rotl(acc + input * P2, 31) * P1 */
const round = (ah: number, al: number, ih: number, il: number): void => {
  mul(ih, il, P2H, P2L);
  add(ah, al, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
};

export function xxhash64(data: Uint8Array): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = data.byteLength;
  let at = 0;
  let hh: number;
  let hl: number;
  if (length >= 32) {
    add(P1H, P1L, P2H, P2L);
    const v = new Uint32Array([rh, rl, P2H, P2L, 0, 0, ~P1H >>> 0, (0x100000000 - P1L) >>> 0]);
    at = stripes(data, v, length - 32);
    const [v1h = 0, v1l = 0, v2h = 0, v2l = 0, v3h = 0, v3l = 0, v4h = 0, v4l = 0] = v;
    rotl(v1h, v1l, 1); hh = rh; hl = rl;
    rotl(v2h, v2l, 7); add(hh, hl, rh, rl); hh = rh; hl = rl;
    rotl(v3h, v3l, 12); add(hh, hl, rh, rl); hh = rh; hl = rl;
    rotl(v4h, v4l, 18); add(hh, hl, rh, rl); hh = rh; hl = rl;
    for (const [vh, vl] of [[v1h, v1l], [v2h, v2l], [v3h, v3l], [v4h, v4l]] as const) {
      round(0, 0, vh, vl);
      hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
      mul(hh, hl, P1H, P1L);
      add(rh, rl, P4H, P4L);
      hh = rh; hl = rl;
    }
  } else {
    hh = P5H; hl = P5L;
  }
  add(hh, hl, Math.floor(length / 0x100000000), length >>> 0);
  hh = rh; hl = rl;
  while (at + 8 <= length) {
    round(0, 0, view.getUint32(at + 4, true), view.getUint32(at, true));
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    hh = rh; hl = rl;
    at += 8;
  }
  if (at + 4 <= length) {
    mul(0, view.getUint32(at, true), P1H, P1L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    hh = rh; hl = rl;
    at += 4;
  }
  while (at < length) {
    mul(0, data[at] ?? 0, P5H, P5L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 11);
    mul(rh, rl, P1H, P1L);
    hh = rh; hl = rl;
    at += 1;
  }
  // Avalanche.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul(hh, hl, P2H, P2L); hh = rh; hl = rl;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L); hh = rh; hl = rl;
  hl = (hl ^ hh) >>> 0;
  return (BigInt(hh) << 32n) | BigInt(hl);
}

/**
 * The bulk of the work: 32-byte stripes into four accumulators `v` (high, low pairs), with
 * the round function written out so the loop allocates nothing and calls nothing. Returns
 * the offset of the first byte after the last whole stripe.
 */
const stripes = (data: Uint8Array, v: Uint32Array, limit: number): number => {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (; at <= limit; at += 32) {
    for (let k = 0; k < 4; k += 1) {
      const il = view.getUint32(at + 8 * k, true);
      const ih = view.getUint32(at + 8 * k + 4, true);
      // m = input * P2
      let a0 = il & 0xffff, a1 = il >>> 16;
      let p00 = a0 * 0xeb4f, p01 = a0 * 0x27d4, p10 = a1 * 0xeb4f, p11 = a1 * 0x27d4;
      let mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
      const ml = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
      const mh = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ih, P2L) + Math.imul(il, P2H);
      // acc += m
      const sum = (v[2 * k + 1] ?? 0) + ml;
      const al = sum >>> 0;
      const ah = ((v[2 * k] ?? 0) + mh + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      // rotl 31
      const xh = ((ah << 31) | (al >>> 1)) >>> 0;
      const xl = ((al << 31) | (ah >>> 1)) >>> 0;
      // acc = x * P1
      a0 = xl & 0xffff;
      a1 = xl >>> 16;
      p00 = a0 * 0xca87;
      p01 = a0 * 0x85eb;
      p10 = a1 * 0xca87;
      p11 = a1 * 0x85eb;
      mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
      v[2 * k + 1] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
      v[2 * k] = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(xh, P1L) + Math.imul(xl, P1H);
    }
  }
  return at;
};
