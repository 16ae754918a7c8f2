// The organization's saved questions, newest first, each opening its own page.
import { useCallback } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useSources } from './sources';

type SavedQuestion = components['schemas']['SavedQuestion'];

export function Questions() {
  const { orgId = '' } = useParams();
  const sources = useSources(orgId);
  const questions = useLoad(
    useCallback(async () => {
      const list: SavedQuestion[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(api.GET('/orgs/{orgId}/questions', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
        list.push(...page.data);
        cursor = page.page.nextCursor ?? undefined;
      } while (cursor);
      return list;
    }, [orgId]),
  );
  const sourceName = (id: string) => sources.data?.find((s) => s.id === id)?.name ?? 'a deleted source';
  return (
    <Page title="Saved questions">
      <p>
        <Link to={`/orgs/${orgId}/data/query`}>Write a query or ask a question</Link> · <Link to={`/orgs/${orgId}/data`}>Data sources</Link>
      </p>
      <ProblemAlert problem={questions.problem} />
      {questions.data && questions.data.length === 0 && <p>No saved question yet: run a query, then save it.</p>}
      <ul className="list" aria-label="Saved questions">
        {questions.data?.map((q) => (
          <li key={q.id}>
            <div>
              <Link to={`/orgs/${orgId}/questions/${q.id}`}>
                <strong>{q.name}</strong>
              </Link>
              {q.verified && <span className="tag">verified</span>}
              <div className="meta">
                On {sourceName(q.dataSourceId)}
                {q.parameters.length > 0 ? ` · parameters ${q.parameters.map((p) => `:${p.name}`).join(', ')}` : ''}
                {q.description ? ` · ${q.description}` : ''}
              </div>
            </div>
          </li>
        ))}
      </ul>
    </Page>
  );
}
