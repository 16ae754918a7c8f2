import { describe, expect, it } from 'vitest';
import { type HistoryMessage, modelMessages, newestOf, pathTo, prefixQuery, titleFrom } from './history.ts';
import { foldChunks } from './transcript.ts';

const msg = (id: string, parent: string | null, role: 'user' | 'assistant', content: string, tool_calls: HistoryMessage['tool_calls'] = []): HistoryMessage => ({
  id,
  parent_id: parent,
  role,
  content,
  tool_calls,
});

describe('the message tree', () => {
  // q1 → a1 → q2 → a2, and an edit of q2 (q2b → a2b), and a regeneration of a1 (a1b).
  const rows = [msg('q1', null, 'user', 'one'), msg('a1', 'q1', 'assistant', 'A1'), msg('q2', 'a1', 'user', 'two'), msg('a2', 'q2', 'assistant', 'A2'), msg('q2b', 'a1', 'user', 'two, edited'), msg('a2b', 'q2b', 'assistant', 'A2b'), msg('a1b', 'q1', 'assistant', 'A1b')];

  it('follows parents from a leaf to the first message, whatever the branch', () => {
    expect(pathTo(rows, 'a2b').map((r) => r.id)).toEqual(['q1', 'a1', 'q2b', 'a2b']);
    expect(pathTo(rows, 'a2').map((r) => r.id)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(pathTo(rows, newestOf(rows)!.id).map((r) => r.id)).toEqual(['q1', 'a1b']);
    expect(pathTo(rows, null)).toEqual([]);
    expect(pathTo(rows, 'nope')).toEqual([]);
  });

  it('refuses a cycle rather than looping', () => {
    expect(() => pathTo([msg('x', 'y', 'user', ''), msg('y', 'x', 'assistant', '')], 'x')).toThrow(/cycle/);
  });
});

describe('modelMessages', () => {
  it("gives back each step's tool calls and their results, wrapped as data, then the answer's text", () => {
    const answer = msg('a', 'q', 'assistant', 'Two projects.', [
      { id: 'c1', tool: 'projects.find_projects', step: 0, input: { query: 'web' }, output: { projects: [{ name: '<b>Web</b>' }] } },
      { id: 'c2', tool: 'reports.time_report', step: 0, input: {}, error: { code: 'FORBIDDEN', message: 'no' } },
      { id: 'c3', tool: 'projects.find_projects', step: 1, input: { query: 'app' } },
    ]);
    const out = modelMessages([msg('q', null, 'user', 'Which projects?'), answer]);
    expect(out.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
    expect(out[1].content).toEqual([
      { type: 'tool-call', toolCallId: 'c1', toolName: 'projects__find_projects', input: { query: 'web' } },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'reports__time_report', input: {} },
    ]);
    const [ok, refused] = out[2].content as { output: { value: string } }[];
    expect(ok.output.value).toMatch(/^<tool_output tool="projects.find_projects">/);
    // Markup in a result cannot be spelled inside the delimiters.
    expect(ok.output.value).toContain('\\u003cb\\u003eWeb');
    expect(JSON.parse(refused.output.value.split('\n')[2])).toEqual({ error: { code: 'FORBIDDEN', message: 'no' } });
    // A call the answer never ran (it was stopped) is answered as such, so the next turn is valid.
    expect((out[4].content as { output: { value: string } }[])[0].output.value).toContain('CHAT.TOOL_NOT_RUN');
    expect(out[5]).toEqual({ role: 'assistant', content: 'Two projects.' });
  });

  it('leaves out an answer that wrote nothing', () => {
    expect(modelMessages([msg('q', null, 'user', 'hi'), msg('a', 'q', 'assistant', ''), msg('q2', 'a', 'user', 'again')])).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'again' },
    ]);
  });
});

describe('titleFrom', () => {
  it('takes the first words of the first question, on one line', () => {
    expect(titleFrom('  How many\nhours did we log on WEB last month, by person?  ')).toBe('How many hours did we log on WEB…');
    expect(titleFrom('Short one')).toBe('Short one');
    expect(titleFrom('x'.repeat(200))).toHaveLength(80);
    expect(titleFrom('   ')).toBe('Conversation');
  });
});

describe('prefixQuery', () => {
  it('makes every word a required prefix, and lets nothing of the tsquery syntax through', () => {
    expect(prefixQuery('Budget réunion')).toBe("'Budget':* & 'réunion':*");
    expect(prefixQuery("it's a & b | !c <-> d:*")).toBe("'it':* & 's':* & 'a':* & 'b':* & 'c':* & 'd':*");
    expect(prefixQuery(' ?! ')).toBeNull();
  });
});

describe('foldChunks', () => {
  it('is the answer its chunks wrote: text in order, calls with their results, usage summed', () => {
    const record = foldChunks([
      { kind: 'start', data: { conversationId: 'c', messageId: 'm', parentId: 'q', modelId: null } },
      { kind: 'text', data: { text: 'Let me ' } },
      { kind: 'text', data: { text: 'look.' } },
      { kind: 'tool-call', data: { toolCallId: 't1', tool: 'projects.find_projects', step: 0, input: { query: 'web' } } },
      { kind: 'usage', data: { inputTokens: 10, outputTokens: 2 } },
      { kind: 'tool-result', data: { toolCallId: 't1', tool: 'projects.find_projects', output: { projects: [] } } },
      { kind: 'text', data: { text: ' None.' } },
      { kind: 'usage', data: { inputTokens: 20, outputTokens: 3 } },
    ]);
    expect(record).toEqual({
      content: 'Let me look. None.',
      toolCalls: [{ id: 't1', tool: 'projects.find_projects', step: 0, input: { query: 'web' }, output: { projects: [] } }],
      usage: { inputTokens: 30, outputTokens: 5 },
    });
  });
});
