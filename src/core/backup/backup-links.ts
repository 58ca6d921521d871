/**
 * Where a base backup has symbolic links, by path inside the data directory: the only
 * places the extractor creates them and walks (sync, --verify) follow them.
 */

/** A tablespace link pg_tblspc/<oid>. */
export const isTablespaceLink = (relative: string): boolean => /^pg_tblspc\/[0-9]+$/.test(relative);

/** pg_wal (pg_xlog before 10): a link when --waldir put the WAL elsewhere. */
export const isWalDirectory = (relative: string): boolean => relative === 'pg_wal' || relative === 'pg_xlog';

/**
 * A link a backup has. Walks follow these, once, and no other: a link loop (a -> .) or a
 * link to / planted in the tree would otherwise never end.
 */
export const isBackupLink = (relative: string): boolean => isTablespaceLink(relative) || isWalDirectory(relative);
