import { AuthenticationError, AuthenticationErrorCode } from './authentication-error.js';
import { ScramClient } from './scram.js';

export interface SaslChoice {
  /** The server's AuthenticationSASL list. */
  readonly offered: readonly string[];
  readonly password: string;
  /** channel_binding from the resolved connection. */
  readonly channelBinding: 'disable' | 'prefer' | 'require';
  /** Whether the connection uses TLS (binding data may still be missing: no -PLUS offered). */
  readonly usesTls?: boolean;
  /** tls-server-end-point hash of the server certificate when TLS is in use, else undefined. */
  readonly tlsServerEndPoint?: Buffer;
}

/**
 * libpq's pg_SASL_init choice: -PLUS when the server offers it over TLS and binding is not
 * disabled; plain SCRAM otherwise (with the `y` flag when we could have bound); refuse when
 * channel_binding=require cannot be honoured or no mechanism is known.
 */
export const chooseSaslMechanism = (choice: SaslChoice): ScramClient => {
  const tls = choice.tlsServerEndPoint;
  const bindable = choice.channelBinding !== 'disable' && tls !== undefined;
  if (bindable && choice.offered.includes('SCRAM-SHA-256-PLUS')) {
    return new ScramClient({ password: choice.password,
      channelBinding: { type: 'tls-server-end-point', data: tls } });
  }
  if (choice.channelBinding === 'require') {
    throw new AuthenticationError(AuthenticationErrorCode.channelBinding,
      'Cannot authenticate: channel binding is required, but ' +
        (tls === undefined && choice.usesTls !== true ? 'the connection does not use SSL'
          : 'server did not offer an authentication method that supports channel binding'));
  }
  if (choice.offered.includes('SCRAM-SHA-256')) {
    return new ScramClient({ password: choice.password, clientSupportsBinding: bindable });
  }
  throw new AuthenticationError(AuthenticationErrorCode.unsupportedMethod,
    'Cannot authenticate: none of the server\'s SASL authentication mechanisms are supported');
};
