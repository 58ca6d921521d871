import { BufferWriter } from './buffer-writer.js';
import { FrontendType } from './messages.js';

/** Protocol 3.0: major 3 in the high 16 bits, minor 0 in the low. */
export const PROTOCOL_VERSION_3_0 = 196_608;
/** The magic "protocol version" of an SSLRequest (1234 << 16 | 5679). */
export const SSL_REQUEST_CODE = 80_877_103;

/** StartupMessage: untyped; name/value pairs ended by an empty name. */
export const startupMessage = (parameters: Readonly<Record<string, string>>): Buffer => {
  const writer = new BufferWriter().int32(PROTOCOL_VERSION_3_0);
  for (const [name, value] of Object.entries(parameters)) writer.cstring(name).cstring(value);
  return writer.int8(0).flushUntyped();
};

export const sslRequest = (): Buffer => new BufferWriter(8).int32(SSL_REQUEST_CODE).flushUntyped();

/** PasswordMessage: a cleartext password or an md5 hash string. */
export const passwordMessage = (password: string): Buffer =>
  new BufferWriter().cstring(password).flush(FrontendType.password);

export const saslInitialResponse = (mechanism: string, data: Buffer): Buffer =>
  new BufferWriter(data.length + 32)
    .cstring(mechanism)
    .int32(data.length)
    .bytes(data)
    .flush(FrontendType.saslInitialResponse);

export const saslResponse = (data: Buffer): Buffer =>
  new BufferWriter(data.length).bytes(data).flush(FrontendType.saslResponse);

export const query = (sql: string): Buffer =>
  new BufferWriter(Buffer.byteLength(sql) + 1).cstring(sql).flush(FrontendType.query);

export const copyData = (data: Uint8Array): Buffer =>
  new BufferWriter(data.length).bytes(data).flush(FrontendType.copyData);

export const copyDone = (): Buffer => new BufferWriter(0).flush(FrontendType.copyDone);

export const copyFail = (reason: string): Buffer => new BufferWriter().cstring(reason).flush(FrontendType.copyFail);

export const terminate = (): Buffer => new BufferWriter(0).flush(FrontendType.terminate);
