// The audit filters as sent: blanks left out, local times as instants, a bad time passed on
// for the API to refuse next to its field.
import { describe, expect, it } from 'vitest';
import { auditQuery, NO_FILTERS } from './auditQuery';

describe('auditQuery', () => {
  it('sends only the filters given, times as RFC 3339 instants', () => {
    expect(auditQuery(NO_FILTERS)).toEqual({});
    const q = auditQuery({ type: ' organizations.member_* ', actor: 'u1', target: '', from: '2026-12-07T09:30', to: '' });
    expect(q).toEqual({ type: 'organizations.member_*', actor: 'u1', from: new Date('2026-12-07T09:30').toISOString() });
    expect(q.from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('passes an unreadable time on as typed', () => {
    expect(auditQuery({ ...NO_FILTERS, to: 'yesterday' })).toEqual({ to: 'yesterday' });
  });
});
