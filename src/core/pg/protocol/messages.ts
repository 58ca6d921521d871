/**
 * Backend (server → client) messages of protocol 3.0 that a simple-query, COPY and
 * replication client can receive. Extended-query messages are deliberately absent: we never
 * send Parse/Bind, so receiving one is a protocol error.
 */

/** Message type bytes as the server sends them (backend-decode.ts keys its decoders by these). */
export const BackendType = {
  authentication: 'R',
  backendKeyData: 'K',
  parameterStatus: 'S',
  readyForQuery: 'Z',
  rowDescription: 'T',
  dataRow: 'D',
  commandComplete: 'C',
  emptyQueryResponse: 'I',
  errorResponse: 'E',
  noticeResponse: 'N',
  notificationResponse: 'A',
  copyInResponse: 'G',
  copyOutResponse: 'H',
  copyBothResponse: 'W',
  copyData: 'd',
  copyDone: 'c',
  negotiateProtocolVersion: 'v',
} as const;

/** Message type bytes as the client sends them (frontend.ts writes these). */
export const FrontendType = {
  // PasswordMessage and both SASL responses share 'p'; the exchange's state tells them apart.
  password: 'p',
  saslInitialResponse: 'p',
  saslResponse: 'p',
  query: 'Q',
  copyData: 'd',
  copyDone: 'c',
  copyFail: 'f',
  terminate: 'X',
} as const;

/** Authentication request codes carried by an 'R' message. */
export const AuthCode = {
  ok: 0,
  kerberosV5: 2,
  cleartextPassword: 3,
  md5Password: 5,
  scmCredential: 6,
  gss: 7,
  gssContinue: 8,
  sspi: 9,
  sasl: 10,
  saslContinue: 11,
  saslFinal: 12,
} as const;

export type AuthenticationMessage =
  | { readonly type: 'authenticationOk' }
  | { readonly type: 'authenticationCleartextPassword' }
  | { readonly type: 'authenticationMD5Password'; readonly salt: Buffer }
  | { readonly type: 'authenticationSASL'; readonly mechanisms: readonly string[] }
  | { readonly type: 'authenticationSASLContinue'; readonly data: Buffer }
  | { readonly type: 'authenticationSASLFinal'; readonly data: Buffer }
  /** GSS, SSPI, Kerberos, SCM: decoded so the connection can refuse them by name. */
  | { readonly type: 'authenticationUnsupported'; readonly code: number };

export interface FieldDescription {
  readonly name: string;
  readonly tableOid: number;
  readonly columnNumber: number;
  readonly typeOid: number;
  readonly typeSize: number;
  readonly typeModifier: number;
  readonly format: number;
}

/** ErrorResponse / NoticeResponse fields keyed by their one-letter code ('S', 'C', 'M', ...). */
export type NoticeFields = Readonly<Record<string, string>>;

export type TransactionStatus = 'I' | 'T' | 'E';

export type BackendMessage =
  | AuthenticationMessage
  | { readonly type: 'backendKeyData'; readonly processId: number; readonly secretKey: Buffer }
  | { readonly type: 'parameterStatus'; readonly name: string; readonly value: string }
  | { readonly type: 'readyForQuery'; readonly status: TransactionStatus }
  | { readonly type: 'rowDescription'; readonly fields: readonly FieldDescription[] }
  | { readonly type: 'dataRow'; readonly values: readonly (Buffer | null)[] }
  | { readonly type: 'commandComplete'; readonly tag: string }
  | { readonly type: 'emptyQueryResponse' }
  | { readonly type: 'errorResponse'; readonly fields: NoticeFields }
  | { readonly type: 'noticeResponse'; readonly fields: NoticeFields }
  | {
      readonly type: 'notificationResponse';
      readonly processId: number;
      readonly channel: string;
      readonly payload: string;
    }
  | { readonly type: 'copyInResponse'; readonly format: number; readonly columnFormats: readonly number[] }
  | { readonly type: 'copyOutResponse'; readonly format: number; readonly columnFormats: readonly number[] }
  | { readonly type: 'copyBothResponse'; readonly format: number; readonly columnFormats: readonly number[] }
  /** `data` may be a view of the socket chunk it arrived in (chunks are never reused). */
  | { readonly type: 'copyData'; readonly data: Buffer }
  /**
   * Not a message of the protocol: more bytes of the CopyData message delivered just before,
   * when the parser passes CopyData on in pieces (BackendParser.copyDataPieces) instead of
   * gathering a message split across reads.
   */
  | { readonly type: 'copyDataPiece'; readonly data: Buffer }
  | { readonly type: 'copyDone' }
  | {
      readonly type: 'negotiateProtocolVersion';
      readonly newestMinor: number;
      readonly unsupportedOptions: readonly string[];
    };

export type BackendMessageType = BackendMessage['type'];
