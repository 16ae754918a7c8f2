// An entry edited in place: Enter saves only what changed; a refusal (an overlap) shows under the
// row with the clashing times, tied to its fields; Escape puts the row back.
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../projects/load';
import { EntryRow } from './EntryRow';
import type { Entry } from './week';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const local = (h: number, m = 0) => new Date(2026, 11, 7, h, m).toISOString();
const entry = { id: 'e1', orgId: 'o1', userId: 'u1', projectId: 'p1', taskId: null, start: local(9), end: local(10), durationSeconds: 3600, roundedSeconds: 3600, description: 'Design', billable: true, tags: [], hourlyRateMinor: null, currency: 'EUR', createdAt: local(9), updatedAt: local(9) } as Entry;
const projects = [{ id: 'p1', key: 'WEB', name: 'Website', status: 'active' }] as Project[];

function renderRow(answer: { status: number; body: unknown }) {
  const requests: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', async (input: Request) => {
    requests.push({ method: input.method, url: input.url, body: await input.clone().json() });
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': answer.status < 300 ? 'application/json' : 'application/problem+json' } });
  });
  const saved = vi.fn();
  render(
    <table>
      <tbody>
        <EntryRow orgId="o1" entry={entry} day="2026-12-07" dayText="Monday 7 December" projects={projects} onSaved={saved} onDeleted={() => undefined} />
      </tbody>
    </table>,
  );
  return { requests, saved };
}

describe('an entry row', () => {
  it('saves the changed times on Enter', async () => {
    const { requests, saved } = renderRow({ status: 200, body: { ...entry, end: local(11), durationSeconds: 7200 } });
    const end = screen.getByLabelText('End of the entry at 09:00 on Monday 7 December');
    await userEvent.clear(end);
    await userEvent.type(end, '11:00{Enter}');
    await vi.waitFor(() => expect(saved).toHaveBeenCalled());
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('PATCH');
    expect(requests[0].body).toEqual({ start: local(9).replace('.000Z', 'Z'), end: local(11).replace('.000Z', 'Z') });
  });

  it('shows an overlap under the row, with the clashing times, and Escape puts the row back', async () => {
    const clash = { id: 'e2', start: local(10, 30), end: local(11, 30) };
    renderRow({ status: 409, body: { type: 'about:blank', title: 'Conflict', status: 409, code: 'TIME.ENTRY_OVERLAP', detail: 'overlaps', clashes: [clash] } });
    const end = screen.getByLabelText('End of the entry at 09:00 on Monday 7 December');
    await userEvent.clear(end);
    await userEvent.type(end, '11:00{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This entry overlaps another of your entries');
    expect(alert.textContent).toContain('10:30–11:30 on');
    expect(end.getAttribute('aria-describedby')).toBe(alert.id);
    expect(end.getAttribute('aria-invalid')).toBe('true');
    await userEvent.type(end, '{Escape}');
    expect((end as HTMLInputElement).value).toBe('10:00');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says a time that is none under the row without asking the API', async () => {
    const { requests } = renderRow({ status: 200, body: entry });
    const start = screen.getByLabelText('Start of the entry at 09:00 on Monday 7 December');
    await userEvent.clear(start);
    await userEvent.type(start, '9h{Enter}');
    expect((await screen.findByRole('alert')).textContent).toContain('Give the start as HH:MM');
    expect(requests).toHaveLength(0);
  });
});
