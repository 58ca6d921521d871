/**
 * Transient object-store trouble is retried this long; then the server asks again later.
 * A module of its own: the directory path imports it without loading the S3 client.
 */
export const OBJECT_RETRY_BUDGET_MS = 20_000;
