// Searching the current version: hits with their matches marked, each opening the file at its
// line; paths that match come first. `?q=` keeps the query in the address (back and reload).
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages, type Problem, ProblemError, toProblem } from '../../api/problem';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { markPieces } from './marks';
import { fileHref, useProjectParams, Workspace } from './Workspace';

type Hits = components['schemas']['CodebaseSearchResults'];

export function Search() {
  const { orgId, projectId } = useProjectParams();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const [hits, setHits] = useState<Hits | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => {
    setHits(undefined);
    setProblem(null);
    if (!q) return;
    let stopped = false;
    setPending(true);
    call(api.GET('/orgs/{orgId}/projects/{projectId}/codebase/search', { params: { path: { orgId, projectId }, query: { q, limit: 50 } } }))
      .then((answer) => !stopped && setHits(answer))
      .catch((err) => !stopped && setProblem(err instanceof ProblemError ? err.problem : toProblem(err)))
      .finally(() => !stopped && setPending(false));
    return () => {
      stopped = true;
    };
  }, [orgId, projectId, q]);

  // A query the API refuses (no word in it) is said under the field.
  const fieldError = fieldMessages(problem).q;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(draft.trim() ? { q: draft.trim() } : {});
  };

  return (
    <Workspace title="Search the code">
      <search>
        <form className="search-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="code-query">Words or identifiers</label>
          <input
            id="code-query"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? 'code-query-hint code-query-error' : 'code-query-hint'}
          />
          <p id="code-query-hint" className="hint">
            Each word is a prefix; identifiers match by their parts (<code>user</code> finds <code>getUserName</code>); "quoted words" in order.
          </p>
          {fieldError && (
            <p id="code-query-error" className="field-error">
              {fieldError}
            </p>
          )}
        </div>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      </search>
      <ProblemAlert problem={problem} />
      <p role="status">
        {pending ? 'Searching…' : hits ? `${hits.data.length}${hits.page.nextCursor ? '+' : ''} ${hits.data.length === 1 ? 'match' : 'matches'} in version ${hits.snapshot}` : ''}
      </p>
      {hits && hits.data.length > 0 && (
        <ul className="hits" aria-label="Matches">
          {hits.data.map((hit) => (
            <li key={`${hit.path}:${hit.line ?? 0}`}>
              <Link to={fileHref(orgId, projectId, hit.path, hit.line)}>{hit.line ? `${hit.path}:${hit.line}` : hit.path}</Link>
              {hit.line !== null && (
                <code>
                  {markPieces(hit.snippet, hit.highlights).map((piece, i) =>
                    // biome-ignore lint/suspicious/noArrayIndexKey: pieces of one fixed snippet
                    piece.marked ? <mark key={i}>{piece.text}</mark> : <span key={i}>{piece.text}</span>,
                  )}
                </code>
              )}
            </li>
          ))}
        </ul>
      )}
    </Workspace>
  );
}
