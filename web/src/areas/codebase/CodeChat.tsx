// A conversation about the project's code (docs/chat.md, "About a project"): bound to the
// project, so the model's codebase tools read this code. The answer streams in; each `path:line`
// it cites links to the file view at that line.
import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import { readAnswerStream } from '../../api/answerStream';
import { api } from '../../api/client';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { citationPieces } from './marks';
import { fileHref, useProjectParams, Workspace } from './Workspace';

interface Turn {
  id: number;
  question: string;
  answer: string;
  status: 'streaming' | 'done' | 'stopped' | 'failed';
  error?: string;
}

export function CodeChat() {
  const { orgId, projectId } = useProjectParams();
  const [conversationId, setConversationId] = useState<string | undefined>(undefined);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [question, setQuestion] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [streaming, setStreaming] = useState(false);
  const questionId = useId();

  const update = (id: number, change: (turn: Turn) => Partial<Turn>) => setTurns((now) => now.map((t) => (t.id === id ? { ...t, ...change(t) } : t)));

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    const content = question.trim();
    if (!content || streaming) return;
    setProblem(null);
    setStreaming(true);
    const id = Date.now();
    try {
      let conversation = conversationId;
      if (!conversation) {
        conversation = (await call(api.POST('/orgs/{orgId}/conversations', { params: { path: { orgId } }, body: { projectId } }))).id;
        setConversationId(conversation);
      }
      const answer = await api.POST('/orgs/{orgId}/conversations/{conversationId}/messages', {
        params: { path: { orgId, conversationId: conversation } },
        body: { content },
        parseAs: 'stream',
      });
      if (!answer.response.ok || !answer.data) throw new ProblemError(toProblem(answer.error, answer.response));
      setQuestion('');
      setTurns((now) => [...now, { id, question: content, answer: '', status: 'streaming' }]);
      await readAnswerStream(answer.data as ReadableStream<Uint8Array>, (e) => {
        if (e.event === 'text' && e.data.text) update(id, (t) => ({ answer: t.answer + e.data.text }));
        if (e.event === 'done') update(id, () => ({ status: e.data.status, error: e.data.error?.message }));
      });
      update(id, (t) => (t.status === 'streaming' ? { status: 'stopped' } : {}));
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      update(id, () => ({ status: 'failed' }));
    } finally {
      setStreaming(false);
    }
  };

  return (
    <Workspace title="Ask about the code">
      <p>The assistant reads this project's current code with its tools and cites the lines it used; each citation opens the file at that line.</p>
      <ol className="chat-log" aria-label="Conversation" aria-busy={streaming || undefined}>
        {turns.map((turn) => (
          <li key={turn.id}>
            <span className="who">You</span>
            {turn.question}
            <span className="who">Assistant</span>
            <Answer text={turn.answer} orgId={orgId} projectId={projectId} />
            {turn.status === 'streaming' && !turn.answer && <span className="hint">Thinking…</span>}
            {turn.status === 'failed' && <p className="field-error">{turn.error ?? 'The answer failed.'}</p>}
            {turn.status === 'stopped' && <p className="hint">The answer stopped before its end.</p>}
          </li>
        ))}
      </ol>
      <p role="status" className="visually-hidden">
        {streaming ? 'The assistant is answering…' : turns.length > 0 ? 'The answer is complete.' : ''}
      </p>
      <form onSubmit={ask} noValidate aria-label="Ask a question">
        <div className="field">
          <label htmlFor={questionId}>Your question</label>
          <textarea id={questionId} value={question} onChange={(e) => setQuestion(e.currentTarget.value)} required />
        </div>
        <ProblemAlert problem={problem} />
        <button type="submit" className="primary" disabled={streaming}>
          {streaming ? 'Answering…' : 'Ask'}
        </button>
      </form>
    </Workspace>
  );
}

/** The answer's text, each `path:line` a link to the file view (the current version). */
function Answer({ text, orgId, projectId }: { text: string; orgId: string; projectId: string }) {
  return (
    <div>
      {citationPieces(text).map((piece, i) =>
        'path' in piece ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: pieces of one text, in order
          <Link key={i} to={fileHref(orgId, projectId, piece.path, piece.line)}>
            {piece.text}
          </Link>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: pieces of one text, in order
          <span key={i}>{piece.text}</span>
        ),
      )}
    </div>
  );
}
