import { ProtocolError } from '../../errors.js';
import { BufferReader } from './buffer-reader.js';
import {
  AuthCode,
  BackendType,
  type AuthenticationMessage,
  type BackendMessage,
  type FieldDescription,
  type NoticeFields,
} from './messages.js';

/**
 * Decodes one complete backend message body (already copied out of the socket chunks, so the
 * returned message may keep views into it). Every decoder checks that it consumed the body
 * exactly: a short or padded message means we and the server disagree about the protocol.
 */
export const decodeBackendMessage = (type: string, body: Buffer): BackendMessage => {
  const decode = decoders[type];
  if (decode === undefined) throw unknownType(type);
  const reader = new BufferReader(body, describe(type));
  const message = decode(reader);
  reader.end();
  return message;
};

/** Type bytes we accept at all; anything else is rejected as soon as its header arrives. */
export const isKnownBackendType = (type: string): boolean => decoders[type] !== undefined;

/** Types whose body may exceed the small-message limit (libpq's list, minus FunctionCall). */
export const isLongMessageType = (type: string): boolean => 'TDdENA'.includes(type);

export const unknownType = (type: string): ProtocolError =>
  new ProtocolError(
    `Cannot decode server message: unknown message type 0x${type.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );

const describe = (type: string): string => `server message '${type}'`;

const authentication = (r: BufferReader): AuthenticationMessage => {
  const code = r.int32();
  switch (code) {
    case AuthCode.ok:
      return { type: 'authenticationOk' };
    case AuthCode.cleartextPassword:
      return { type: 'authenticationCleartextPassword' };
    case AuthCode.md5Password:
      return { type: 'authenticationMD5Password', salt: r.bytes(4) };
    case AuthCode.sasl: {
      const mechanisms: string[] = [];
      for (let name = r.cstring(); name !== ''; name = r.cstring()) mechanisms.push(name);
      return { type: 'authenticationSASL', mechanisms };
    }
    case AuthCode.saslContinue:
      return { type: 'authenticationSASLContinue', data: r.rest() };
    case AuthCode.saslFinal:
      return { type: 'authenticationSASLFinal', data: r.rest() };
    case AuthCode.kerberosV5:
    case AuthCode.scmCredential:
    case AuthCode.gss:
    case AuthCode.sspi:
      return { type: 'authenticationUnsupported', code };
    case AuthCode.gssContinue:
      r.rest();
      return { type: 'authenticationUnsupported', code };
    default:
      throw new ProtocolError(`Cannot decode server message 'R': unknown authentication request ${code}`);
  }
};

const noticeFields = (r: BufferReader): NoticeFields => {
  const fields: Record<string, string> = {};
  for (let code = r.int8(); code !== 0; code = r.int8()) {
    fields[String.fromCharCode(code)] = r.cstring();
  }
  return fields;
};

const count = (r: BufferReader, what: string): number => {
  const n = r.int16();
  if (n < 0) throw new ProtocolError(`Cannot decode server message: negative ${what} count ${n}`);
  return n;
};

const copyResponse = (r: BufferReader): { format: number; columnFormats: number[] } => {
  const format = r.int8();
  const n = count(r, 'column');
  const columnFormats: number[] = [];
  for (let i = 0; i < n; i++) columnFormats.push(r.int16());
  return { format, columnFormats };
};

const rowDescription = (r: BufferReader): FieldDescription[] => {
  const n = count(r, 'field');
  const fields: FieldDescription[] = [];
  for (let i = 0; i < n; i++) {
    fields.push({
      name: r.cstring(),
      tableOid: r.uint32(),
      columnNumber: r.int16(),
      typeOid: r.uint32(),
      typeSize: r.int16(),
      typeModifier: r.int32(),
      format: r.int16(),
    });
  }
  return fields;
};

const dataRow = (r: BufferReader): (Buffer | null)[] => {
  const n = count(r, 'column');
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < n; i++) {
    const length = r.int32();
    if (length === -1) values.push(null);
    else values.push(r.bytes(length));
  }
  return values;
};

const transactionStatus = (r: BufferReader): 'I' | 'T' | 'E' => {
  const status = String.fromCharCode(r.int8());
  if (status === 'I' || status === 'T' || status === 'E') return status;
  throw new ProtocolError(`Cannot decode server message 'Z': unknown transaction status "${status}"`);
};

const decoders: Readonly<Record<string, (r: BufferReader) => BackendMessage>> = {
  [BackendType.authentication]: authentication,
  [BackendType.backendKeyData]: (r) => {
    const processId = r.int32();
    const secretKey = r.rest();
    if (secretKey.length < 4 || secretKey.length > 256) {
      throw new ProtocolError(`Cannot decode server message 'K': cancel key of ${secretKey.length} bytes`);
    }
    return { type: 'backendKeyData', processId, secretKey };
  },
  [BackendType.parameterStatus]: (r) => ({ type: 'parameterStatus', name: r.cstring(), value: r.cstring() }),
  [BackendType.readyForQuery]: (r) => ({ type: 'readyForQuery', status: transactionStatus(r) }),
  [BackendType.rowDescription]: (r) => ({ type: 'rowDescription', fields: rowDescription(r) }),
  [BackendType.dataRow]: (r) => ({ type: 'dataRow', values: dataRow(r) }),
  [BackendType.commandComplete]: (r) => ({ type: 'commandComplete', tag: r.cstring() }),
  [BackendType.emptyQueryResponse]: () => ({ type: 'emptyQueryResponse' }),
  [BackendType.errorResponse]: (r) => ({ type: 'errorResponse', fields: noticeFields(r) }),
  [BackendType.noticeResponse]: (r) => ({ type: 'noticeResponse', fields: noticeFields(r) }),
  [BackendType.notificationResponse]: (r) => ({
    type: 'notificationResponse',
    processId: r.int32(),
    channel: r.cstring(),
    payload: r.cstring(),
  }),
  [BackendType.copyInResponse]: (r) => ({ type: 'copyInResponse', ...copyResponse(r) }),
  [BackendType.copyOutResponse]: (r) => ({ type: 'copyOutResponse', ...copyResponse(r) }),
  [BackendType.copyBothResponse]: (r) => ({ type: 'copyBothResponse', ...copyResponse(r) }),
  [BackendType.copyData]: (r) => ({ type: 'copyData', data: r.rest() }),
  [BackendType.copyDone]: () => ({ type: 'copyDone' }),
  [BackendType.negotiateProtocolVersion]: (r) => {
    const newestMinor = r.int32();
    const n = r.int32();
    if (n < 0) throw new ProtocolError(`Cannot decode server message 'v': negative option count ${n}`);
    const unsupportedOptions: string[] = [];
    for (let i = 0; i < n; i++) unsupportedOptions.push(r.cstring());
    return { type: 'negotiateProtocolVersion', newestMinor, unsupportedOptions };
  },
};
