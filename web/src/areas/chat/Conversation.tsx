// One conversation: the branch shown (edit, regenerate and switch versions at each fork), the
// answer streaming in as it is written with a Stop button, files attached to a question, the
// usage and budget, export and share links. An answer found still being written when the page
// opens (after a reload) is followed again from its start: it went on without the page.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import type { ChatMessage } from '../../api/answerStream';
import { type ChatAttachment, Composer } from './Composer';
import { ExportShare } from './ExportShare';
import { MessageList } from './MessageList';
import { branchPath, forkOf } from './tree';
import { pricesOf } from './usage';
import { UsagePanel } from './UsagePanel';
import { useAnswerStream } from './useAnswerStream';

export function Conversation() {
  const { orgId = '', conversationId = '' } = useParams();
  const path = useMemo(() => ({ orgId, conversationId }), [orgId, conversationId]);
  const conversation = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/conversations/{conversationId}', { params: { path } })), [path]));
  const tree = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/conversations/{conversationId}/messages', { params: { path } })), [path]));
  const attachments = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/conversations/{conversationId}/attachments', { params: { path } })), [path]));
  const models = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/llm/models', { params: { path: { orgId } } })), [orgId]));
  const budgets = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/llm/budgets', { params: { path: { orgId } } })), [orgId]));
  const [choices, setChoices] = useState<Record<string, string>>({});
  // The answer this page follows or has followed: never resumed on top of itself.
  const resumed = useRef<string | null>(null);
  // `done` reaches the page a moment before the message is stored as ended: wait for it, so
  // the branch shown is the stored one (a few tries, then as it is).
  const settled = useCallback(
    async (messageId: string | null) => {
      for (let i = 0; messageId && i < 10; i++) {
        const m = await call(api.GET('/orgs/{orgId}/conversations/{conversationId}/messages/{messageId}', { params: { path: { ...path, messageId } } })).catch(() => null);
        if (m?.status !== 'streaming') return;
        await new Promise((r) => setTimeout(r, 300));
      }
    },
    [path],
  );

  const stream = useAnswerStream(orgId, conversationId, {
    // The question and the answer are stored once the stream starts: show them, on the new
    // branch (the newest message's, which the API's activePath follows).
    started: (answer) => {
      resumed.current = answer.messageId;
      setChoices({});
      void tree.reload();
    },
    ended: (answer) => {
      void settled(answer.messageId).then(() => tree.reload());
      void conversation.reload();
      void budgets.reload();
    },
  });

  const all = tree.data?.data ?? [];
  const shown = useMemo(() => branchPath(tree.data?.data ?? [], tree.data?.activePath ?? [], choices), [tree.data, choices]);
  const last = shown.at(-1);

  // After a reload mid-answer: follow the answer still being written, once per answer.
  useEffect(() => {
    if (last?.role === 'assistant' && last.status === 'streaming' && !stream.busy && resumed.current !== last.id) {
      resumed.current = last.id;
      void stream.resume(last.id);
    }
  }, [last, stream]);

  const ask = (content: string, attachmentIds: string[], parentId?: string | null) =>
    stream.ask({ content, ...(attachmentIds.length ? { attachmentIds } : {}), ...(parentId !== undefined ? { parentId } : {}) });

  const names = useMemo(() => new Map((attachments.data?.data ?? []).map((a: ChatAttachment) => [a.id, a.fileName])), [attachments.data]);
  const prices = useMemo(() => pricesOf(models.data?.data ?? []), [models.data]);
  const busy = stream.busy;
  const title = conversation.data ? (conversation.data.title ?? 'New conversation') : 'Conversation';

  return (
    <Page title={title}>
      <p>
        <Link to={`/orgs/${orgId}/chat`}>All conversations</Link>
      </p>
      <ProblemAlert problem={conversation.problem ?? tree.problem} />
      <div className="chat">
        <div className="chat-main">
          {tree.data && shown.length === 0 && <p>Ask anything to start.</p>}
          <MessageList
            messages={shown}
            live={stream.live}
            attachmentNames={names}
            prices={prices}
            actions={{
              all,
              busy,
              choose: (m: ChatMessage) => setChoices((now) => ({ ...now, [forkOf(m)]: m.id })),
              edit: (question, content) => void ask(content, [], question.parentId),
              regenerate: (answer) => void stream.regenerate(answer.id),
            }}
          />
          <p className="visually-hidden" role="status">
            {busy ? 'The answer is being written.' : stream.live ? `The answer is ${stream.live.status === 'done' ? 'complete' : stream.live.status}.` : ''}
          </p>
          <Composer
            orgId={orgId}
            conversationId={conversationId}
            busy={busy}
            canStop={!!stream.live?.messageId}
            problem={stream.problem}
            // A question follows the branch shown: its last answer (the newest message when it is the default branch).
            send={(content, ids) => ask(content, ids, last?.role === 'assistant' && last.status !== 'streaming' ? last.id : undefined)}
            stop={() => void stream.stop()}
            uploaded={() => void attachments.reload()}
          />
        </div>
        <aside className="chat-side" aria-label="About this conversation">
          <UsagePanel messages={all} prices={prices} budgets={budgets.data} budgetsHidden={!!budgets.problem} />
          <ExportShare orgId={orgId} conversationId={conversationId} messageId={last?.id} />
        </aside>
      </div>
    </Page>
  );
}
