// A transcript as Markdown: a heading, then each message under its role, tool calls as a list
// with their input and (cut) result in code spans.
import type { Transcript } from './export.ts';

const ROLE = { user: 'You', assistant: 'Assistant' } as const;

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
const fenced = (text: string, lang = '') => {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
};

export function transcriptMarkdown(t: Transcript): string {
  const out = [`# ${(t.title ?? 'Conversation').replace(/\s+/g, ' ')}`, '', `Started ${t.createdAt}, last active ${t.updatedAt}, exported ${t.exportedAt}.`, ''];
  for (const m of t.messages) {
    const marks = [m.model, m.status === 'streaming' ? 'still being written when exported' : m.status === 'done' ? null : m.status].filter(Boolean);
    out.push(`## ${ROLE[m.role]}${marks.length ? ` (${marks.join(', ')})` : ''}`, '');
    for (const c of m.toolCalls) {
      out.push(`- Tool \`${c.tool}\``, '', '  Input:', '', fenced(JSON.stringify(c.input), 'json').replace(/^/gm, '  '), '');
      if (c.error) out.push(`  Error: ${c.error.code}: ${c.error.message}`, '');
      else if (c.result !== null) out.push(`  Result${c.truncated ? ' (cut)' : ''}:`, '', fenced(c.result, 'json').replace(/^/gm, '  '), '');
    }
    out.push(m.content || '_(no text)_', '');
  }
  return out.join('\n');
}
