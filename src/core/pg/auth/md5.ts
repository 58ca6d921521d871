import { createHash } from 'node:crypto';

const md5hex = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/**
 * The PasswordMessage payload for AuthenticationMD5Password:
 * "md5" + md5hex(md5hex(password + user) + salt), the salt being the server's 4 raw bytes.
 */
export function md5PasswordMessage(user: string, password: string, salt: Buffer): string {
  const inner = md5hex(Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from(user, 'utf8')]));
  return `md5${md5hex(Buffer.concat([Buffer.from(inner, 'ascii'), salt]))}`;
}
