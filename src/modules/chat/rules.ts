// The chat module's rules that need no database: pure functions, unit-tested beside.

/** An item's name as stored: trimmed, inner runs of spaces made one. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}
