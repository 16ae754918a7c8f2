// Reading an answer's Server-Sent Events (docs/chat.md, "The answer stream"). EventSource cannot
// POST nor send the Authorization header, so the console reads the body of a fetch made through
// `api` (the token middleware, the 401 refresh) and parses it with eventsource-parser. The
// events fold into a LiveAnswer a page shows as it grows; `id:` of each event is kept so a
// dropped connection resumes after the last one seen (GET …/stream?lastEventId=).
// Used by every page that streams a conversation's answer: the chat area and the codebase's chat.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { components } from './schema';

export type ChatMessage = components['schemas']['ChatMessage'];
export type ChatToolCall = components['schemas']['ChatToolCall'];
export type ChatUsage = components['schemas']['ChatUsage'];
export type ChatError = components['schemas']['ChatError'];
export type AnswerStatus = ChatMessage['status'];

export type AnswerEvent =
  | { event: 'start'; data: { conversationId: string; messageId: string; parentId: string | null; modelId: string | null } }
  | { event: 'text'; data: { text: string } }
  | { event: 'tool-call'; data: { toolCallId: string; tool: string; step: number; input: unknown } }
  | { event: 'tool-result'; data: { toolCallId: string; tool: string; output?: unknown; error?: ChatError } }
  | { event: 'usage'; data: ChatUsage }
  | { event: 'done'; data: { status: AnswerStatus; usage: ChatUsage | null; model: string | null; error: ChatError | null } };

/** An answer as it streams: what the page shows in place of the stored message until it ends. */
export interface LiveAnswer {
  messageId: string | null;
  parentId: string | null;
  content: string;
  toolCalls: ChatToolCall[];
  usage: ChatUsage;
  status: AnswerStatus;
  model: string | null;
  error: ChatError | null;
  /** The `id:` of the last event folded in: where a resume starts. */
  lastEventId: string | null;
}

export const emptyAnswer = (): LiveAnswer => ({
  messageId: null,
  parentId: null,
  content: '',
  toolCalls: [],
  usage: { inputTokens: 0, outputTokens: 0 },
  status: 'streaming',
  model: null,
  error: null,
  lastEventId: null,
});

/** Folds one event into the answer (pure: the component test drives it event by event). */
export function applyEvent(answer: LiveAnswer, e: AnswerEvent, id?: string): LiveAnswer {
  const next = { ...answer, lastEventId: id ?? answer.lastEventId };
  switch (e.event) {
    case 'start':
      return { ...next, messageId: e.data.messageId, parentId: e.data.parentId };
    case 'text':
      return { ...next, content: next.content + e.data.text };
    case 'tool-call':
      return { ...next, toolCalls: [...next.toolCalls, { id: e.data.toolCallId, tool: e.data.tool, step: e.data.step, input: e.data.input as ChatToolCall['input'] }] };
    case 'tool-result':
      return {
        ...next,
        toolCalls: next.toolCalls.map((c) =>
          c.id !== e.data.toolCallId ? c : { ...c, ...(e.data.error ? { error: e.data.error } : { output: e.data.output as ChatToolCall['output'] }) },
        ),
      };
    case 'usage':
      // One per model call: an answer's usage is their sum.
      return { ...next, usage: { inputTokens: next.usage.inputTokens + e.data.inputTokens, outputTokens: next.usage.outputTokens + e.data.outputTokens } };
    case 'done':
      return { ...next, status: e.data.status, usage: e.data.usage ?? next.usage, model: e.data.model, error: e.data.error };
    default:
      return next;
  }
}

/**
 * Reads an SSE body to its end (or until `signal` aborts), calling `onEvent` for each event as
 * it arrives. Answers whether `done` was seen: a stream that ended without it was cut.
 */
export async function readAnswerStream(body: ReadableStream<Uint8Array>, onEvent: (event: AnswerEvent, id: string | undefined) => void, signal?: AbortSignal): Promise<boolean> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).pipeThrough(new EventSourceParserStream()).getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  let done = false;
  try {
    while (true) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      if (!value.event || !value.data) continue;
      const event = { event: value.event, data: JSON.parse(value.data) } as AnswerEvent;
      onEvent(event, value.id);
      if (event.event === 'done') done = true;
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
  return done;
}
