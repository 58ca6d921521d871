/**
 * PostgreSQL's canonical form of a path (Unix rules): duplicate and trailing separators
 * removed, "." components dropped, ".." folded into the previous name where one exists.
 * `-T` mappings and tar member checks compare paths in this form, as pg_basebackup does.
 */
export const canonicalizePath = (path: string): string => {
  if (path === '') return path;
  const absolute = path.startsWith('/');
  const names: string[] = [];
  let leadingParents = 0;
  for (const name of path.split('/')) {
    if (name === '' || name === '.') continue;
    if (name !== '..') {
      names.push(name);
    } else if (names.length > 0) {
      names.pop();
    } else if (!absolute) {
      leadingParents += 1;
    }
  }
  const parts = [...Array<string>(leadingParents).fill('..'), ...names];
  if (absolute) return `/${parts.join('/')}`;
  return parts.length === 0 ? '.' : parts.join('/');
};

/**
 * True when `path` names something inside the directory it will be joined to: relative, and
 * not climbing above it once canonicalized. Tar member names must pass this before they
 * touch the file system.
 */
export const isSafeRelativePath = (path: string): boolean => {
  if (path === '' || path.startsWith('/') || path.includes('\0')) return false;
  const canonical = canonicalizePath(path);
  return canonical !== '..' && !canonical.startsWith('../');
};
