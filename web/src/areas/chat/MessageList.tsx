// The messages of one branch of a conversation, the answer being written included, with each
// answer's tool calls and usage; with `actions`, the ways to fork it: edit a question, regenerate
// an answer, and switch between the versions at each fork. Reusable by any page that shows a
// conversation (the codebase's chat too): it only renders what it is given.
import { type FormEvent, useState } from 'react';
import type { ChatMessage, LiveAnswer } from '../../api/answerStream';
import { ToolCalls } from './ToolCalls';
import { versionsOf } from './tree';
import { costMinor, formatMoney, formatNumber, type Prices } from './usage';

export interface MessageActions {
  /** Every message of every branch: the versions at each fork. */
  all: readonly ChatMessage[];
  busy: boolean;
  choose: (message: ChatMessage) => void;
  edit: (question: ChatMessage, content: string) => void;
  regenerate: (answer: ChatMessage) => void;
}

interface Props {
  messages: readonly ChatMessage[];
  live?: LiveAnswer | null;
  /** Attachment id → file name, to show what a question came with. */
  attachmentNames?: ReadonlyMap<string, string>;
  prices?: Prices;
  actions?: MessageActions;
}

const STATUS: Record<ChatMessage['status'], string> = { streaming: 'being written', done: 'done', stopped: 'stopped', failed: 'failed' };

/** The stored message, or the answer as it streams when this is the one being written. */
function shown(m: ChatMessage, live: LiveAnswer | null | undefined): ChatMessage {
  if (!live || live.messageId !== m.id || m.status !== 'streaming') return m;
  return { ...m, content: live.content, toolCalls: live.toolCalls, status: live.status, usage: live.usage, model: live.model ?? m.model, error: live.error };
}

export function MessageList({ messages, live, attachmentNames, prices, actions }: Props) {
  return (
    <ol className="messages" aria-label="Messages">
      {messages.map((stored) => {
        const m = shown(stored, live);
        return <MessageItem key={m.id} message={m} attachmentNames={attachmentNames} prices={prices} actions={actions} />;
      })}
    </ol>
  );
}

function MessageItem({ message: m, attachmentNames, prices, actions }: { message: ChatMessage; attachmentNames?: ReadonlyMap<string, string>; prices?: Prices; actions?: MessageActions }) {
  const [editing, setEditing] = useState(false);
  const who = m.role === 'user' ? 'You' : 'Assistant';
  const submitEdit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const content = String(new FormData(event.currentTarget).get('content') ?? '').trim();
    if (!content || !actions) return;
    setEditing(false);
    actions.edit(m, content);
  };
  const price = m.model ? prices?.get(m.model) : undefined;
  return (
    <li className={`message ${m.role}`} aria-busy={m.status === 'streaming' || undefined}>
      <p className="who">
        <strong>{who}</strong>
        {m.role === 'assistant' && m.status !== 'done' && <span className={`answer-status ${m.status}`}>{STATUS[m.status]}</span>}
      </p>
      {editing ? (
        <form className="edit" onSubmit={submitEdit} aria-label="Edit the question">
          <label htmlFor={`edit-${m.id}`}>Edited question</label>
          <textarea id={`edit-${m.id}`} name="content" defaultValue={m.content} rows={3} />
          <div className="row">
            <button type="submit" className="primary">
              Ask the edited question
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="content">{m.content || (m.status === 'streaming' ? '…' : '')}</div>
      )}
      {m.attachmentIds.length > 0 && (
        <p className="meta">Attached: {m.attachmentIds.map((id) => attachmentNames?.get(id) ?? 'a removed file').join(', ')}</p>
      )}
      <ToolCalls calls={m.toolCalls} />
      {m.error && (
        <p className="field-error">
          {m.error.code}: {m.error.message}
        </p>
      )}
      {m.role === 'assistant' && m.usage && (
        <p className="meta usage">
          {formatNumber(m.usage.inputTokens)} tokens in, {formatNumber(m.usage.outputTokens)} out
          {price && `, ${formatMoney(costMinor(m.usage, price), price.currency)}`}
          {m.model && ` · ${m.model}`}
        </p>
      )}
      {actions && <MessageTools message={m} actions={actions} startEdit={() => setEditing(true)} editing={editing} />}
    </li>
  );
}

function MessageTools({ message: m, actions, startEdit, editing }: { message: ChatMessage; actions: MessageActions; startEdit: () => void; editing: boolean }) {
  const { versions, index } = versionsOf(actions.all, m);
  const noun = m.role === 'user' ? 'question' : 'answer';
  return (
    <div className="message-tools">
      {versions.length > 1 && (
        <fieldset className="versions">
          <legend className="visually-hidden">Versions of this {noun}</legend>
          <button type="button" disabled={index === 0 || actions.busy} onClick={() => actions.choose(versions[index - 1])}>
            Previous<span className="visually-hidden"> version of the {noun}</span>
          </button>
          <span>
            Version {index + 1} of {versions.length}
          </span>
          <button type="button" disabled={index === versions.length - 1 || actions.busy} onClick={() => actions.choose(versions[index + 1])}>
            Next<span className="visually-hidden"> version of the {noun}</span>
          </button>
        </fieldset>
      )}
      {m.role === 'user' && !editing && (
        <button type="button" disabled={actions.busy} onClick={startEdit}>
          Edit<span className="visually-hidden"> the question</span>
        </button>
      )}
      {m.role === 'assistant' && m.status !== 'streaming' && (
        <button type="button" disabled={actions.busy} onClick={() => actions.regenerate(m)}>
          Regenerate<span className="visually-hidden"> the answer</span>
        </button>
      )}
    </div>
  );
}
