import { describe, expect, it } from 'vitest';
import { type AlertCondition, AlertValueError, holds, step, alertValue } from './alerts-condition.ts';

/** Runs a sequence of values through an alert and answers the values it fired at. */
function firesAt(condition: AlertCondition, values: (number | null)[]): (number | null)[] {
  let firing = false;
  let previous: number | null = null;
  const fired: (number | null)[] = [];
  for (const v of values) {
    const next = step(firing, holds(condition, v, previous));
    if (next.fired) fired.push(v);
    firing = next.firing;
    previous = v;
  }
  return fired;
}

describe('alert conditions', () => {
  it('fire once per crossing, not once per check', () => {
    expect(firesAt({ kind: 'above', threshold: 10 }, [5, 12, 15, 8, 11])).toEqual([12, 11]);
    expect(firesAt({ kind: 'below', threshold: 10 }, [12, 9, 3, 10, 4])).toEqual([9, 4]);
    // The line itself is not a crossing.
    expect(firesAt({ kind: 'above', threshold: 10 }, [10, 10.5])).toEqual([10.5]);
    // No value (no rows) is not above anything, and re-arms the alert.
    expect(firesAt({ kind: 'above', threshold: 10 }, [11, null, 11])).toEqual([11, 11]);
  });

  it('compare a change with the previous checked value', () => {
    expect(firesAt({ kind: 'changed_by_percent', percent: 50 }, [100, 120, 200, 400, 410, 100])).toEqual([200, 100]);
    expect(firesAt({ kind: 'changed_by_percent', percent: 10 }, [0, 0, 5])).toEqual([5]);
  });

  it('watch whether a result has rows', () => {
    expect(firesAt({ kind: 'rows_present' }, [0, 2, 3, 0, 1])).toEqual([2, 1]);
    expect(firesAt({ kind: 'rows_absent' }, [1, 0, 0, 4, 0])).toEqual([0, 0]);
  });

  it('read the first numeric cell of the first row, or the named column', () => {
    const result = { columns: [{ name: 'client', type: 'text' }, { name: 'hours', type: 'number' }, { name: 'amount', type: 'number' }], rows: [['Acme', '5.5', 500]], rowCount: 1 };
    expect(alertValue({ kind: 'above', threshold: 1 }, result)).toBe(5.5);
    expect(alertValue({ kind: 'above', threshold: 1, column: 'amount' }, result)).toBe(500);
    expect(alertValue({ kind: 'rows_present' }, result)).toBe(1);
    expect(alertValue({ kind: 'above', threshold: 1 }, { ...result, rows: [], rowCount: 0 })).toBeNull();
    expect(() => alertValue({ kind: 'above', threshold: 1, column: 'nope' }, result)).toThrow(AlertValueError);
    expect(() => alertValue({ kind: 'above', threshold: 1 }, { ...result, rows: [['Acme', 'x', null]] })).toThrow(AlertValueError);
  });
});
