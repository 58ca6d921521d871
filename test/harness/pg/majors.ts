/** Every PostgreSQL major the project supports and ships test servers for (npm aliases pg14..pg18). */
export const ALL_PG_MAJORS = [14, 15, 16, 17, 18] as const;

/** Majors a plain local `npm test` covers fully; CI covers all of ALL_PG_MAJORS. */
export const DEFAULT_LOCAL_PG_MAJORS = [15, 18] as const;

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

/**
 * The majors this run tests: WS_PG_MAJORS (comma list, e.g. "14,17") if set, otherwise all of
 * them under CI=true and 15 and 18 locally.
 */
export function pgMajorsUnderTest(env: NodeJS.ProcessEnv = process.env): number[] {
  const listed = env['WS_PG_MAJORS']?.trim();
  if (listed !== undefined && listed !== '') {
    const majors = listed.split(',').map((part) => Number(part.trim()));
    for (const major of majors) {
      if (!(ALL_PG_MAJORS as readonly number[]).includes(major)) {
        throw new Error(`Cannot use WS_PG_MAJORS=${listed}: ${major} is not one of ${ALL_PG_MAJORS.join(', ')}`);
      }
    }
    return [...new Set(majors)].sort((a, b) => a - b);
  }
  return isCi(env) ? [...ALL_PG_MAJORS] : [...DEFAULT_LOCAL_PG_MAJORS];
}
