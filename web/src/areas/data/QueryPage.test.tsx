// The query page: typing SQL offers a field per `:name`; the run sends each value typed as
// declared (a whole number as a number), and a refusal of the guard is shown next to the action.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueryPage } from './QueryPage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SOURCE = { id: '0193a0b0-0000-7000-8000-000000000001', orgId: 'org-1', name: 'Shop', kind: 'postgres', description: '', connection: null, cacheTtlSeconds: 300, sync: { status: 'ok', error: null, syncedAt: null, schemaVersion: 1 }, files: [], createdAt: '', updatedAt: '' };

function server(answerQuery: (body: any) => { status: number; body: unknown }) {
  const queries: any[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const path = new URL(req.url).pathname;
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' } });
    if (path.endsWith('/data-sources')) return json(200, { data: [SOURCE], page: { nextCursor: null } });
    if (path.endsWith('/queries')) {
      const body = await req.json();
      queries.push(body);
      const a = answerQuery(body);
      return json(a.status, a.body);
    }
    return json(404, { status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: path });
  });
  return queries;
}

function renderPage() {
  render(
    <MemoryRouter initialEntries={['/orgs/org-1/data/query']}>
      <Routes>
        <Route path="/orgs/:orgId/data/query" element={<QueryPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

// Typing in happy-dom on a busy machine: more than the default 5 s.
describe('the query page', { timeout: 30_000 }, () => {
  it('offers a field per parameter and sends the values typed', async () => {
    const queries = server(() => ({ status: 200, body: { columns: [{ name: 'city', type: 'text' }], rows: [['Oslo'], ['Bergen']], rowCount: 2, truncated: false, durationMs: 4, cached: false, cachedAt: null } }));
    renderPage();
    const user = userEvent.setup();
    await screen.findByRole('option', { name: /Shop/ });
    // Pasted, then a last character typed: the fields follow the text as it changes.
    await user.click(screen.getByRole('textbox', { name: 'SQL' }));
    await user.paste('SELECT city FROM visits WHERE visitors >= :least AND city <> :ski');
    expect(screen.getByLabelText('Value of :ski')).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'SQL' }), 'p');
    expect(screen.getByLabelText('Value of :least')).toBeTruthy();
    expect(screen.getByLabelText('Value of :skip')).toBeTruthy();
    await user.selectOptions(screen.getByLabelText('Type of :least'), 'integer');
    await user.type(screen.getByLabelText('Value of :least'), '50');
    await user.type(screen.getByLabelText('Value of :skip'), 'Paris');
    // A parameter that leaves the SQL leaves the form; one that comes back has its value again.
    const sql = screen.getByRole('textbox', { name: 'SQL' });
    await user.clear(sql);
    await user.paste('SELECT city FROM visits WHERE visitors >= :least');
    expect(screen.queryByLabelText('Value of :skip')).toBeNull();
    expect((screen.getByLabelText('Value of :least') as HTMLInputElement).value).toBe('50');
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByText('2 rows, in 4 ms.')).toBeTruthy());
    expect(queries).toEqual([{ dataSourceId: SOURCE.id, sql: 'SELECT city FROM visits WHERE visitors >= :least', parameters: [{ name: 'least', type: 'integer', value: 50 }] }]);
  });

  it('shows the guard’s refusal next to the action', async () => {
    server(() => ({ status: 422, body: { status: 422, code: 'DATA_SOURCES.QUERY_REFUSED', title: 'Unprocessable', detail: 'Only a SELECT may run: this is a DELETE', reason: 'not_a_select' } }));
    renderPage();
    const user = userEvent.setup();
    await screen.findByRole('option', { name: /Shop/ });
    await user.click(screen.getByRole('textbox', { name: 'SQL' }));
    await user.paste('DELETE FROM visits');
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Only a SELECT may run'));
  });
});
