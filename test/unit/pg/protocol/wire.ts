/**
 * Hand-built server messages for codec tests. Deliberately independent of the code under
 * test: bytes are assembled field by field as the protocol documentation lays them out.
 */
export const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
export const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const int64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
export const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

/** type byte + int32 length (counting itself) + body. */
export const msg = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, 'latin1'), int32(body.length + 4), body]);
};

/** Splits `bytes` at the given offsets. */
export const splitAt = (bytes: Buffer, ...offsets: number[]): Buffer[] => {
  const parts: Buffer[] = [];
  let last = 0;
  for (const offset of offsets) {
    parts.push(bytes.subarray(last, offset));
    last = offset;
  }
  parts.push(bytes.subarray(last));
  return parts;
};
