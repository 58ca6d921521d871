import { AuthenticationError, AuthenticationErrorCode } from './authentication-error.js';

const malformed = (what: string): AuthenticationError =>
  new AuthenticationError(
    AuthenticationErrorCode.scramProtocol,
    `Cannot authenticate: malformed SCRAM message (${what})`,
  );

/**
 * Reads `name=value` attributes in the exact order given, like libpq: the server's SCRAM
 * messages have a fixed layout, and anything after the expected attributes is refused.
 */
export const readAttributes = (
  message: string,
  names: readonly string[],
  context: string,
): string[] => {
  const parts = message.split(',');
  if (parts.length !== names.length) {
    throw malformed(parts.length > names.length ? `garbage at end of ${context}` : `${context} is too short`);
  }
  return names.map((name, i) => {
    const part = parts[i] as string;
    if (!part.startsWith(`${name}=`)) {
      throw malformed(`attribute "${name}" expected in ${context}`);
    }
    return part.slice(name.length + 1);
  });
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const decodeBase64 = (text: string, what: string): Buffer => {
  if (!BASE64.test(text)) throw malformed(`invalid base64 in ${what}`);
  return Buffer.from(text, 'base64');
};

/** printable = %x21-2B / %x2D-7E: the nonce alphabet of RFC 5802. */
export const isPrintableNonce = (nonce: string): boolean => /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);

/** saslname: "=" and "," must be written =3D and =2C. */
export const encodeSaslName = (name: string): string =>
  name.replaceAll('=', '=3D').replaceAll(',', '=2C');
