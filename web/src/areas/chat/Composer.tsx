// Writing a question: the text (Enter sends, Shift+Enter is a new line), files attached to it
// (uploaded to the conversation as soon as they are chosen, so a refusal shows at once), Send,
// and Stop while an answer is being written.
import { type ChangeEvent, type FormEvent, type KeyboardEvent, useRef, useState } from 'react';
import { api } from '../../api/client';
import { call, type Problem } from '../../api/problem';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

export type ChatAttachment = components['schemas']['ChatAttachment'];

interface Props {
  orgId: string;
  conversationId: string;
  busy: boolean;
  canStop: boolean;
  problem: Problem | null;
  /** Answers whether the question was taken (false: refused, the text stays to try again). */
  send: (content: string, attachmentIds: string[]) => Promise<boolean>;
  stop: () => void;
  uploaded: (attachment: ChatAttachment) => void;
}

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

export function Composer({ orgId, conversationId, busy, canStop, problem, send, stop, uploaded }: Props) {
  const [text, setText] = useState('');
  const [pending, setPending] = useState<ChatAttachment[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const upload = useAction(async (file: File) => {
    const attachment = await call(
      api.POST('/orgs/{orgId}/conversations/{conversationId}/attachments', {
        params: { path: { orgId, conversationId }, query: { name: file.name } },
        // The body is the file itself, as it is.
        body: file as unknown as string,
        bodySerializer: (body) => body as unknown as BodyInit,
        headers: { 'content-type': 'application/octet-stream' },
      }),
    );
    setPending((now) => [...now, attachment]);
    uploaded(attachment);
  });
  const chooseFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.currentTarget.files?.[0];
    if (file) await upload.start(file);
    if (fileInput.current) fileInput.current.value = '';
  };
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (!content || busy) return;
    upload.clear();
    if (await send(content, pending.map((a) => a.id))) {
      setText('');
      setPending([]);
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  };
  return (
    <form className="composer" onSubmit={submit} aria-label="Ask" aria-busy={busy || undefined}>
      <div className="field">
        <label htmlFor="chat-question">Your message</label>
        <p className="hint" id="chat-question-hint">
          Enter sends; Shift+Enter starts a new line.
        </p>
        <textarea id="chat-question" name="content" rows={3} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} aria-describedby="chat-question-hint" />
      </div>
      <div className="field">
        <label htmlFor="chat-attach">Attach a file</label>
        <p className="hint" id="chat-attach-hint">
          Text, Markdown, CSV or PDF: the model reads it with your next question.
        </p>
        <input id="chat-attach" ref={fileInput} type="file" accept=".txt,.md,.csv,.pdf" onChange={chooseFile} aria-describedby="chat-attach-hint" disabled={upload.pending} />
      </div>
      {upload.pending && <p role="status">Uploading…</p>}
      {pending.length > 0 && (
        <ul className="chips" aria-label="Attached to the next question">
          {pending.map((a) => (
            <li key={a.id}>
              {a.fileName} <span className="meta">({size(a.size)})</span>
              <button type="button" className="link" onClick={() => setPending((now) => now.filter((x) => x.id !== a.id))}>
                Remove<span className="visually-hidden"> {a.fileName} from the next question</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ProblemAlert problem={upload.problem ?? problem} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          Send
        </button>
        {busy && (
          <button type="button" className="danger" onClick={stop} disabled={!canStop}>
            Stop
          </button>
        )}
      </div>
    </form>
  );
}
