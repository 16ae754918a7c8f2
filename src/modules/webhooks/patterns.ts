// Which event types an endpoint receives: exact types (`projects.project_created`), every
// event of a module (`projects.*`) or everything (`*`).
export const PATTERN = '^(\\*|[a-z][a-z0-9_]*\\.(\\*|[a-z][a-z0-9_]*))$';
const PATTERN_RE = new RegExp(PATTERN);

export const isPattern = (pattern: string): boolean => PATTERN_RE.test(pattern);

export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export const matchesAny = (patterns: readonly string[], type: string): boolean => patterns.some((p) => matchesPattern(p, type));

/** Sorted, without duplicates and without patterns another one already covers. */
export function normalizePatterns(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns)];
  if (unique.includes('*')) return ['*'];
  return unique.filter((p) => !unique.some((q) => q !== p && q.endsWith('.*') && matchesPattern(q, p))).sort();
}
