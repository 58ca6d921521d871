/**
 * SASLprep (RFC 4013) of a password the way PostgreSQL's client and server apply it, so the
 * SCRAM proof matches the stored verifier:
 * - a pure ASCII password is used unchanged (even with control characters);
 * - otherwise it is mapped, NFKC-normalised and checked for prohibited, unassigned and
 *   badly mixed bidirectional characters;
 * - when that fails, or maps the password to nothing, the password is used as it is.
 *
 * The library (and the tables it decompresses when loaded, ~10 ms) loads only for a
 * non-ASCII password: every tool connects, few passwords need it.
 *
 * Known difference: PostgreSQL checks the prohibited tables before normalising, the library
 * after; only exotic passwords that one of the two orders rejects can differ.
 */
export const saslprepPassword = async (password: string): Promise<string> => {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  const { saslprep: rfc4013 } = await import('@mongodb-js/saslprep');
  try {
    const prepared = rfc4013(password);
    return prepared === '' ? password : prepared;
  } catch {
    return password;
  }
};
