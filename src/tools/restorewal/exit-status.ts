/**
 * restore_command's contract: 0 = the file is now at %p; 1..125 = not available (the standby
 * then tries pg_wal and streaming, and asks again later); above 125 = fatal, recovery stops.
 * Integrity failures are fatal on purpose: a damaged or foreign file must not end recovery
 * early as if the archive simply had no more WAL.
 */
export const RestoreExit = {
  restored: 0,
  notInArchive: 1,
  usage: 2,
  ioError: 3,
  contentMismatch: 150,
  foreignSystem: 151,
  corruptCompressed: 152,
  codecUnavailable: 153,
} as const;
