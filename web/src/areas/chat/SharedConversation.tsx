// A conversation shared by a link: read-only, without signing in (GET /shared-conversations/{token}),
// the branch its owner had as the default when the page is opened. Never names the owner.
import { useCallback } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { ToolCalls } from './ToolCalls';

export function SharedConversation() {
  const { token = '' } = useParams();
  const shared = useLoad(useCallback(() => call(api.GET('/shared-conversations/{token}', { params: { path: { token } } })), [token]));
  const c = shared.data;
  return (
    <Page title={c ? (c.title ?? 'A shared conversation') : 'A shared conversation'}>
      <ProblemAlert problem={shared.problem} />
      {!c && !shared.problem && <p role="status">Loading…</p>}
      {c && (
        <>
          <p className="meta">Shared read-only. Exported {new Date(c.exportedAt).toLocaleString()}.</p>
          <ol className="messages" aria-label="Messages">
            {c.messages.map((m) => (
              <li key={m.id} className={`message ${m.role}`}>
                <p className="who">
                  <strong>{m.role === 'user' ? 'Question' : 'Answer'}</strong>
                  {m.status !== 'done' && <span className={`answer-status ${m.status}`}>{m.status === 'streaming' ? 'being written' : m.status}</span>}
                </p>
                <div className="content">{m.content}</div>
                <ToolCalls calls={m.toolCalls.map((t) => ({ tool: t.tool, input: t.input, resultText: t.result, error: t.error }))} />
              </li>
            ))}
          </ol>
        </>
      )}
    </Page>
  );
}
