/**
 * Whether an archive argument names a bucket (`s3://…`) rather than a directory. On its own,
 * without imports, because the hooks' quick paths route on it before loading anything.
 */
export const isObjectStoreUrl = (text: string): boolean => /^s3:\/\//i.test(text);
