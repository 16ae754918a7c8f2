// Branches of a conversation as a person meets them: the branch of the newest message by
// default, "Version 1 of 2" at each fork, and switching to another version shows that version's
// own continuation; the answer being written shows its streamed text in place of the stored one.
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatMessage, emptyAnswer } from '../../api/answerStream';
import { MessageList } from './MessageList';
import { branchPath, forkOf } from './tree';

afterEach(cleanup);

let clock = 0;
function msg(id: string, parentId: string | null, role: 'user' | 'assistant', content: string, more: Partial<ChatMessage> = {}): ChatMessage {
  clock += 1;
  return {
    id,
    conversationId: 'c',
    parentId,
    role,
    content,
    status: 'done',
    modelId: null,
    model: role === 'assistant' ? 'p/m' : null,
    usage: role === 'assistant' ? { inputTokens: 10, outputTokens: 2 } : null,
    toolCalls: [],
    attachmentIds: [],
    error: null,
    stopRequested: false,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(),
    ...more,
  };
}

// q1 → a1 → q2 → a2; a1 regenerated as a1b (→ q3 → a3); q1 edited as q1b → a4 (the newest).
const TREE = [
  msg('q1', null, 'user', 'First question'),
  msg('a1', 'q1', 'assistant', 'First answer'),
  msg('q2', 'a1', 'user', 'Follow-up'),
  msg('a2', 'q2', 'assistant', 'Follow-up answer'),
  msg('a1b', 'q1', 'assistant', 'Regenerated answer'),
  msg('q3', 'a1b', 'user', 'Other follow-up'),
  msg('a3', 'q3', 'assistant', 'Other follow-up answer'),
  msg('q1b', null, 'user', 'Edited question'),
  msg('a4', 'q1b', 'assistant', 'Answer to the edit'),
];

function Harness({ activePath }: { activePath: string[] }) {
  const [choices, setChoices] = useState<Record<string, string>>({});
  const shown = branchPath(TREE, activePath, choices);
  return (
    <MessageList
      messages={shown}
      actions={{ all: TREE, busy: false, choose: (m) => setChoices((c) => ({ ...c, [forkOf(m)]: m.id })), edit: () => {}, regenerate: () => {} }}
    />
  );
}

const contents = () => within(screen.getByRole('list', { name: 'Messages' })).getAllByRole('listitem').filter((li) => li.classList.contains('message')).map((li) => li.querySelector('.content')?.textContent);

describe('branches', () => {
  it('shows the active path, and each fork’s versions; switching follows the chosen version down', async () => {
    const user = userEvent.setup();
    render(<Harness activePath={['q1b', 'a4']} />);
    expect(contents()).toEqual(['Edited question', 'Answer to the edit']);
    expect(screen.getByText('Version 2 of 2')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Previous version of the question' }));
    // The first question's branch: the newest answer under it (the regenerated one) and its own follow-up.
    expect(contents()).toEqual(['First question', 'Regenerated answer', 'Other follow-up', 'Other follow-up answer']);
    expect(screen.getAllByText('Version 2 of 2')).toHaveLength(1);
    expect(screen.getByText('Version 1 of 2')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Previous version of the answer' }));
    expect(contents()).toEqual(['First question', 'First answer', 'Follow-up', 'Follow-up answer']);
    expect(screen.getByRole('button', { name: 'Previous version of the answer' }).hasAttribute('disabled')).toBe(true);
  });

  it('shows the streamed text of the answer being written, with its tool calls', () => {
    const writing = msg('a5', 'q5', 'assistant', '', { status: 'streaming', usage: null });
    const live = { ...emptyAnswer(), messageId: 'a5', content: 'Half an ans', toolCalls: [{ id: 't', tool: 'projects.find_projects', step: 0, input: { query: 'x' } }] };
    render(<MessageList messages={[msg('q5', null, 'user', 'Q'), writing]} live={live} />);
    expect(contents()).toEqual(['Q', 'Half an ans']);
    expect(screen.getByText('being written')).toBeTruthy();
    expect(screen.getByText('projects.find_projects')).toBeTruthy();
    expect(screen.getByText('(running)')).toBeTruthy();
  });
});
