import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';
import { isConnectionKeyword } from './keywords.js';

/**
 * Stores one keyword's value like libpq's conninfo_storeval: the obsolete `requiressl`
 * becomes `sslmode`, unknown keywords are refused, a repeated keyword keeps the last value.
 * `shownKeyword` is what the error message may name (it is hidden when the text could be a
 * fragment of a password).
 */
export const storeKeyword = (
  into: Record<string, string>,
  keyword: string,
  value: string,
  unknownMessage: (shown: string) => string,
  keywordMayBeSecret: boolean,
): void => {
  if (keyword === 'requiressl') {
    into['sslmode'] = value.startsWith('1') ? 'require' : 'prefer';
    return;
  }
  if (!isConnectionKeyword(keyword)) {
    const shown = keywordMayBeSecret ? '(hidden: it follows a password)' : keyword;
    throw new ConninfoError(ConninfoErrorCode.unknownKeyword, unknownMessage(shown), keyword, {
      hint: 'See "Parameter Key Words" in the libpq documentation for the accepted keywords.',
    });
  }
  into[keyword] = value;
};
