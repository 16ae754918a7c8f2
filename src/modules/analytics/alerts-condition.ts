// What an alert watches, as pure functions: the value of a result, whether the condition holds
// for it, and the step of the firing state. An alert fires on the transition from "not firing"
// to "firing" only, so a value that stays above its line notifies once, not once per check; it
// is armed again when the condition stops holding.

export type AlertCondition =
  | { kind: 'above' | 'below'; threshold: number; column?: string }
  | { kind: 'changed_by_percent'; percent: number; column?: string }
  | { kind: 'rows_present' }
  | { kind: 'rows_absent' };

export interface AlertResult {
  columns: readonly { name: string; type: string }[];
  rows: readonly (readonly unknown[])[];
  rowCount: number;
}

/** Why a result has no value to compare (a named column missing, no numeric column). */
export class AlertValueError extends Error {}

const asNumber = (cell: unknown): number | null => {
  if (typeof cell === 'number' && Number.isFinite(cell)) return cell;
  // Drivers give numeric and bigint columns as text, to keep their precision.
  if (typeof cell === 'string' && cell.trim() !== '' && Number.isFinite(Number(cell))) return Number(cell);
  return null;
};

/**
 * The value an alert compares: the row count for the rows conditions; else the named column of
 * the first row, or its first numeric cell. Null when the result has no rows or the cell is null.
 */
export function alertValue(condition: AlertCondition, result: AlertResult): number | null {
  if (condition.kind === 'rows_present' || condition.kind === 'rows_absent') return result.rowCount;
  const first = result.rows[0];
  if (condition.column !== undefined) {
    const at = result.columns.findIndex((c) => c.name === condition.column);
    if (at < 0) throw new AlertValueError(`The result has no column "${condition.column}"`);
    return first ? asNumber(first[at]) : null;
  }
  if (!first) return null;
  for (const cell of first) {
    const n = asNumber(cell);
    if (n !== null) return n;
  }
  throw new AlertValueError('The first row of the result has no numeric column');
}

/** Whether the condition holds for `value`; `previous` is the value of the check before. */
export function holds(condition: AlertCondition, value: number | null, previous: number | null): boolean {
  switch (condition.kind) {
    case 'rows_present':
      return (value ?? 0) > 0;
    case 'rows_absent':
      return (value ?? 0) === 0;
    case 'above':
      return value !== null && value > condition.threshold;
    case 'below':
      return value !== null && value < condition.threshold;
    case 'changed_by_percent': {
      if (value === null || previous === null) return false;
      // From zero any change is an infinite relative change.
      if (previous === 0) return value !== 0;
      return (Math.abs(value - previous) / Math.abs(previous)) * 100 >= condition.percent;
    }
  }
}

/** The next firing state, and whether this check fires (only on the not-firing → firing transition). */
export function step(firing: boolean, holdsNow: boolean): { firing: boolean; fired: boolean } {
  return { firing: holdsNow, fired: holdsNow && !firing };
}

/** The line an alert compares with, for its event: the threshold, the percent, or null. */
export function thresholdOf(condition: AlertCondition): number | null {
  if (condition.kind === 'above' || condition.kind === 'below') return condition.threshold;
  if (condition.kind === 'changed_by_percent') return condition.percent;
  return null;
}
