import type { AuthRequirement, RequiredAuthMethod } from '../conninfo/require-auth.js';
import { AuthenticationError, AuthenticationErrorCode } from './authentication-error.js';

/** What the server asked for: an authentication request, or none at all (AuthenticationOk). */
export type AuthRequest = 'password' | 'md5' | 'sasl' | 'none';

const REQUESTED: Readonly<Record<AuthRequest, string>> = {
  password: 'server requested a cleartext password',
  md5: 'server requested a hashed password',
  sasl: 'server requested SASL authentication',
  none: 'server did not complete authentication',
};

const METHOD_OF: Readonly<Record<AuthRequest, RequiredAuthMethod>> = {
  password: 'password', md5: 'md5', sasl: 'scram-sha-256', none: 'none',
};

/**
 * libpq's check_expected_areq, called BEFORE answering a request: a password never goes to a
 * server that asks in a way the connection forbids. channel_binding=require allows only
 * SASL (whose mechanism choice then insists on -PLUS); require_auth allows what it lists.
 */
export function checkAuthRequest(
  request: AuthRequest,
  channelBinding: 'disable' | 'prefer' | 'require',
  requirement: AuthRequirement | undefined,
): void {
  if (requirement !== undefined && !requirement.allowed.has(METHOD_OF[request])) {
    throw new AuthenticationError(
      AuthenticationErrorCode.requirementFailed,
      `authentication method requirement "${requirement.text}" failed: ${REQUESTED[request]}`,
    );
  }
  if (channelBinding === 'require' && request !== 'sasl') {
    throw new AuthenticationError(
      AuthenticationErrorCode.channelBinding,
      request === 'none'
        ? 'channel binding required, but server authenticated client without channel binding'
        : "channel binding required but not supported by server's authentication request",
    );
  }
}
