/**
 * A backup history file (`<segment>.<offset>.backup`), as pg_backup_stop writes it: text whose
 * START WAL LOCATION line names the segment its own name starts with. Judged by that line
 * alone, like PostgreSQL reads it; anything else under such a name is not one.
 */
export const isBackupHistoryText = (text: string, segmentName: string): boolean =>
  /^START WAL LOCATION: .*\(file ([0-9A-F]{24})\)$/m.exec(text)?.[1] === segmentName;

/** Backup history files are a dozen lines; anything much larger is not one. */
export const MAX_BACKUP_HISTORY_BYTES = 64 * 1024;
