// Taking a conversation away: download the branch shown (Markdown, JSON or PDF), and read-only
// share links (anyone with the link reads the conversation, without signing in, until it expires
// or is revoked). The link opens the console's /shared-conversations/<token> page.
import { useCallback } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

const FORMATS = [
  { format: 'md', label: 'Markdown' },
  { format: 'json', label: 'JSON' },
  { format: 'pdf', label: 'PDF' },
] as const;

/** The console's page for a share token (the API's own path is /api/v1/shared-conversations/…). */
export const shareLink = (token: string) => `${location.origin}/shared-conversations/${encodeURIComponent(token)}`;

function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportShare({ orgId, conversationId, messageId }: { orgId: string; conversationId: string; messageId?: string }) {
  const path = { orgId, conversationId };
  const download = useAction(async (format: 'md' | 'json' | 'pdf') => {
    const { data, error, response } = await api.GET('/orgs/{orgId}/conversations/{conversationId}/export', {
      params: { path, query: { format, ...(messageId ? { messageId } : {}) } },
      parseAs: 'blob',
    });
    if (error !== undefined || !data) await call(Promise.resolve({ error, response }));
    const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `conversation.${format}`;
    save(data as Blob, name);
  });
  const shares = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/conversations/{conversationId}/shares', { params: { path: { orgId, conversationId } } })), [orgId, conversationId]));
  const create = useAction(async () => {
    await call(api.POST('/orgs/{orgId}/conversations/{conversationId}/shares', { params: { path }, body: {} }));
    await shares.reload();
  });
  const revoke = useAction(async (shareId: string) => {
    await call(api.DELETE('/orgs/{orgId}/conversations/{conversationId}/shares/{shareId}', { params: { path: { ...path, shareId } } }));
    await shares.reload();
  });
  const live = shares.data?.data.filter((s) => !s.revokedAt && new Date(s.expiresAt) > new Date()) ?? [];
  return (
    <section aria-labelledby="export-title" className="export-share">
      <h2 id="export-title">Export and share</h2>
      <div className="row">
        {FORMATS.map((f) => (
          <button key={f.format} type="button" onClick={() => download.start(f.format)} disabled={download.pending}>
            Download {f.label}
          </button>
        ))}
      </div>
      <ProblemAlert problem={download.problem} />
      <p className="hint">A share link lets anyone who has it read this conversation as it is when they open it, without signing in, for 7 days.</p>
      <button type="button" onClick={() => create.start()} disabled={create.pending}>
        Create a share link
      </button>
      <ProblemAlert problem={create.problem ?? revoke.problem ?? shares.problem} />
      {live.length > 0 && (
        <ul className="list" aria-label="Share links">
          {live.map((s) => (
            <li key={s.id}>
              <div className="share">
                <a href={shareLink(s.token)} className="share-url">
                  {shareLink(s.token)}
                </a>
                <div className="meta">Expires {new Date(s.expiresAt).toLocaleString()}</div>
              </div>
              <button type="button" className="danger" onClick={() => revoke.start(s.id)}>
                Revoke<span className="visually-hidden"> the link made {new Date(s.createdAt).toLocaleString()}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
