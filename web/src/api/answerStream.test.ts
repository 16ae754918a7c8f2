// The answer stream as the browser reads it: events split anywhere across network chunks, a
// heartbeat comment, tool calls matched with their results, usage summed per model call.
import { describe, expect, it } from 'vitest';
import { type AnswerEvent, applyEvent, emptyAnswer, readAnswerStream } from './answerStream';

const sse = (id: number, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** A body delivered in pieces of `size` bytes, as a slow network would. */
function body(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const EVENTS =
  'retry: 3000\n\n' +
  sse(1, 'start', { conversationId: 'c', messageId: 'm', parentId: 'q', modelId: null }) +
  sse(2, 'text', { text: 'Let me look. ' }) +
  ': heartbeat\n\n' +
  sse(3, 'tool-call', { toolCallId: 't1', tool: 'projects.find_projects', step: 0, input: { query: 'orchard' } }) +
  sse(4, 'usage', { inputTokens: 100, outputTokens: 10 }) +
  sse(5, 'tool-result', { toolCallId: 't1', tool: 'projects.find_projects', output: { projects: [{ key: 'ORCH' }] } }) +
  sse(6, 'text', { text: 'Héllo, ORCH ✓' }) +
  sse(7, 'usage', { inputTokens: 150, outputTokens: 5 }) +
  sse(8, 'done', { status: 'done', usage: { inputTokens: 250, outputTokens: 15 }, model: 'default/scripted-model', error: null });

describe('reading an answer', () => {
  it.each([1, 3, 64, 10_000])('folds events split in %i-byte pieces into the same answer', async (size) => {
    let answer = emptyAnswer();
    const seen: string[] = [];
    const done = await readAnswerStream(body(EVENTS, size), (event, id) => {
      seen.push(event.event);
      answer = applyEvent(answer, event, id);
    });
    expect(done).toBe(true);
    expect(seen).toEqual(['start', 'text', 'tool-call', 'usage', 'tool-result', 'text', 'usage', 'done']);
    expect(answer).toMatchObject({
      messageId: 'm',
      parentId: 'q',
      content: 'Let me look. Héllo, ORCH ✓',
      status: 'done',
      model: 'default/scripted-model',
      usage: { inputTokens: 250, outputTokens: 15 },
      lastEventId: '8',
      toolCalls: [{ id: 't1', tool: 'projects.find_projects', step: 0, input: { query: 'orchard' }, output: { projects: [{ key: 'ORCH' }] } }],
    });
  });

  it('says a stream cut before `done` was cut, keeping the last id to resume from', async () => {
    let answer = emptyAnswer();
    const cut = EVENTS.slice(0, EVENTS.indexOf('id: 4'));
    expect(await readAnswerStream(body(cut, 7), (e, id) => (answer = applyEvent(answer, e, id)))).toBe(false);
    expect(answer).toMatchObject({ status: 'streaming', lastEventId: '3', content: 'Let me look. ' });
    expect(answer.toolCalls[0]).not.toHaveProperty('output');
  });

  it('sums usage while streaming, shows a refused tool and a stopped end', () => {
    const events: AnswerEvent[] = [
      { event: 'tool-call', data: { toolCallId: 'a', tool: 'x.y', step: 0, input: {} } },
      { event: 'tool-result', data: { toolCallId: 'a', tool: 'x.y', error: { code: 'LLM.TOOL_NOT_ALLOWED', message: 'no' } } },
      { event: 'usage', data: { inputTokens: 3, outputTokens: 4 } },
      { event: 'usage', data: { inputTokens: 5, outputTokens: 6 } },
    ];
    const answer = events.reduce((a, e) => applyEvent(a, e), emptyAnswer());
    expect(answer.usage).toEqual({ inputTokens: 8, outputTokens: 10 });
    expect(answer.toolCalls[0]).toMatchObject({ error: { code: 'LLM.TOOL_NOT_ALLOWED' } });
    const stopped = applyEvent(answer, { event: 'done', data: { status: 'stopped', usage: null, model: 'p/m', error: null } });
    expect(stopped).toMatchObject({ status: 'stopped', usage: { inputTokens: 8, outputTokens: 10 } });
  });
});
