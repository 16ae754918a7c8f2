// The conversation as a tree, and the path of it a model is shown: pure functions over message
// rows. A message follows its parent; the branch a client sees by default is the path to the
// newest message (a new question, an edit or a regeneration is always the newest).
import type { LlmMessage } from '../../core/llm/index.ts';
import { documentForPrompt, modelToolName, toolErrorForPrompt, toolResultForPrompt } from '../../core/llm/tools.ts';
import type { RecordedToolCall } from './transcript.ts';

export interface TreeNode {
  id: string;
  parent_id: string | null;
}

/** The ids from the first message to `leafId`, following parents; empty when it is not in `rows`. */
export function pathTo<T extends TreeNode>(rows: readonly T[], leafId: string | null): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const path: T[] = [];
  for (let node = leafId ? byId.get(leafId) : undefined; node; node = node.parent_id ? byId.get(node.parent_id) : undefined) {
    path.push(node);
    if (path.length > rows.length) throw new Error('a message tree has a cycle');
  }
  return path.reverse();
}

/** The newest message (rows are oldest first): the leaf of the branch shown by default. */
export const newestOf = <T>(rows: readonly T[]): T | undefined => rows.at(-1);

export interface HistoryMessage extends TreeNode {
  role: 'user' | 'assistant';
  content: string;
  tool_calls: RecordedToolCall[];
  /** A question's attachments, by id. */
  attachment_ids?: readonly string[];
}

/** An attachment's text as a question brings it. */
export interface AttachedText {
  file_name: string;
  text: string;
  truncated: boolean;
}

/** The attachment ids the questions of a path name, each once. */
export const attachmentIdsOf = (path: readonly HistoryMessage[]): string[] => [...new Set(path.flatMap((m) => m.attachment_ids ?? []))];

/**
 * A question as the model reads it: each attachment it came with as a document (data, never
 * instructions), then the question. One removed since is said to be removed.
 */
export function questionWithAttachments(m: HistoryMessage, attached: ReadonlyMap<string, AttachedText>): string {
  const ids = m.attachment_ids ?? [];
  if (!ids.length) return m.content;
  const documents = ids.map((id) => {
    const a = attached.get(id);
    if (!a) return '(An attachment of this question was removed since: its content is no longer available.)';
    return documentForPrompt('attachment', a.file_name, a.truncated ? `${a.text}\n[cut here: the file is longer than an attachment may show]` : a.text);
  });
  return [...documents, m.content].join('\n\n');
}

/** What a tool call that never ran tells the model (the answer stopped before it). */
const NOT_RUN = { code: 'CHAT.TOOL_NOT_RUN', message: 'The answer ended before this tool ran.' };

/**
 * A path as the model reads it. An answer's tool calls come back as what they were: for each
 * model step, the assistant's calls and then the tools' results, each wrapped as untrusted data
 * (toolResultForPrompt), exactly as the model saw them when it answered; then the answer's text.
 * A question brings its attachments (questionWithAttachments), from `attached`.
 * An answer that left nothing (failed before a word) is left out.
 */
export function modelMessages(path: readonly HistoryMessage[], attached: ReadonlyMap<string, AttachedText> = new Map()): LlmMessage[] {
  const out: LlmMessage[] = [];
  for (const m of path) {
    if (m.role === 'user') {
      out.push({ role: 'user', content: questionWithAttachments(m, attached) });
      continue;
    }
    const steps = [...new Set(m.tool_calls.map((c) => c.step))].sort((a, b) => a - b);
    for (const step of steps) {
      const calls = m.tool_calls.filter((c) => c.step === step);
      out.push({
        role: 'assistant',
        content: calls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: modelToolName(c.tool), input: c.input ?? {} })),
      });
      out.push({
        role: 'tool',
        content: calls.map((c) => ({
          type: 'tool-result' as const,
          toolCallId: c.id,
          toolName: modelToolName(c.tool),
          output: { type: 'text' as const, value: c.error ? toolErrorForPrompt(c.tool, c.error) : 'output' in c ? toolResultForPrompt(c.tool, c.output) : toolErrorForPrompt(c.tool, NOT_RUN) },
        })),
      });
    }
    if (m.content) out.push({ role: 'assistant', content: m.content });
  }
  return out;
}

const TITLE_WORDS = 8;
const TITLE_CHARS = 80;

/** A conversation's title from its first question: its first words, on one line. */
export function titleFrom(content: string): string {
  const words = content.trim().split(/\s+/).filter(Boolean);
  let title = words.slice(0, TITLE_WORDS).join(' ');
  if (title.length > TITLE_CHARS) title = `${title.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
  else if (words.length > TITLE_WORDS) title += '…';
  return title || 'Conversation';
}

const MAX_QUERY_WORDS = 10;

/**
 * A search as a tsquery of the `simple` configuration: each word a prefix, all required. Words
 * are runs of letters and digits, so nothing of tsquery's syntax comes from the user; null when
 * the search has no word.
 */
export function prefixQuery(search: string): string | null {
  const words = search.match(/[\p{L}\p{N}]+/gu)?.slice(0, MAX_QUERY_WORDS) ?? [];
  return words.length ? words.map((w) => `'${w}':*`).join(' & ') : null;
}
