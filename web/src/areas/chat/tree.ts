// A conversation is a tree (docs/chat.md, "Messages: a tree"): editing a question or
// regenerating an answer adds a sibling, and both branches stay. The page shows one branch: at
// each fork the version the person chose, else the one on the API's `activePath` (the branch of
// the newest message), else the newest.
import type { ChatMessage } from '../../api/answerStream';

/** The key of a fork: the parent's id, or `root` for the first questions. */
export const forkOf = (m: Pick<ChatMessage, 'parentId'>) => m.parentId ?? 'root';

/** The branch to show, first message first. `choices`: fork → the chosen child's id. */
export function branchPath(messages: readonly ChatMessage[], activePath: readonly string[], choices: Readonly<Record<string, string>>): ChatMessage[] {
  const children = new Map<string, ChatMessage[]>();
  for (const m of messages) {
    const list = children.get(forkOf(m)) ?? [];
    list.push(m);
    children.set(forkOf(m), list);
  }
  const active = new Set(activePath);
  const path: ChatMessage[] = [];
  let fork = 'root';
  for (let guard = 0; guard <= messages.length; guard++) {
    const kids = children.get(fork);
    if (!kids?.length) break;
    // Oldest first as the API lists them: the newest is the last.
    const next = kids.find((k) => k.id === choices[fork]) ?? kids.find((k) => active.has(k.id)) ?? kids[kids.length - 1];
    path.push(next);
    fork = next.id;
  }
  return path;
}

/** The versions of a message (itself included, oldest first) and its place among them. */
export function versionsOf(messages: readonly ChatMessage[], message: ChatMessage): { versions: ChatMessage[]; index: number } {
  const versions = messages.filter((m) => forkOf(m) === forkOf(message));
  return { versions, index: versions.findIndex((m) => m.id === message.id) };
}
