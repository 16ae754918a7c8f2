// A branch of a conversation as a file: Markdown, JSON (ConversationExport, a stable shape) or
// PDF. The branch is the one shown by default, or the path to a chosen message. An answer still
// being written is exported as it stands, marked `streaming`.
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { Conversations } from './conversations.ts';
import type { Generations } from './generation.ts';
import { newestOf, pathTo } from './history.ts';
import { ChatProblems } from './problems.ts';
import { type ConversationRow, type MessageRow, messages } from './repository.ts';
import type { ConversationExport } from './schemas.ts';
import type { RecordedToolCall } from './transcript.ts';

export type Transcript = Static<typeof ConversationExport>;
export type ExportFormat = 'md' | 'json' | 'pdf';

/** A tool's output beyond this many characters is cut: an export is for reading, not a data dump. */
const RESULT_CHARS = 2000;

const CONTENT_TYPES: Record<ExportFormat, string> = { md: 'text/markdown; charset=utf-8', json: 'application/json; charset=utf-8', pdf: 'application/pdf' };

/** A file name that needs no quoting in Content-Disposition. */
export const fileStem = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 80) || 'conversation';

function exportedToolCall(c: RecordedToolCall): Transcript['messages'][number]['toolCalls'][number] {
  const full = 'output' in c ? JSON.stringify(c.output ?? null) : null;
  return {
    tool: c.tool,
    input: c.input ?? null,
    result: full !== null && full.length > RESULT_CHARS ? `${full.slice(0, RESULT_CHARS)}…` : full,
    truncated: full !== null && full.length > RESULT_CHARS,
    error: c.error ?? null,
  };
}

/** The path to `leafId` (null: the newest message) as the export shape. */
export function transcriptOf(conv: ConversationRow, rows: readonly MessageRow[], leafId: string | null, at: Date): Transcript {
  return {
    version: 1,
    id: conv.id,
    title: conv.title,
    modelId: conv.model_id,
    createdAt: conv.created_at.toISOString(),
    updatedAt: conv.updated_at.toISOString(),
    exportedAt: at.toISOString(),
    messages: pathTo(rows, leafId ?? newestOf(rows)?.id ?? null).map((m) => ({
      id: m.id,
      role: m.role,
      content: m.content,
      status: m.status,
      model: m.model,
      createdAt: m.created_at.toISOString(),
      toolCalls: m.tool_calls.map(exportedToolCall),
    })),
  };
}

export interface ExportDeps {
  db: Executor;
  clock: Clock;
  orgs: OrganizationsApi;
  conversations: Conversations;
  generations: Generations;
}

export function createExports(deps: ExportDeps) {
  const { db, clock, orgs, generations } = deps;

  /** The caller's conversation's branch, or 404 (not theirs, or a message not in it). */
  async function transcript(actor: Actor, orgId: string, conversationId: string, messageId?: string): Promise<Transcript> {
    const conv = await deps.conversations.mine(actor, orgId, conversationId);
    await generations.closeStale(actor, orgId, { conversationId });
    const rows = await messages.all(db, conversationId);
    if (messageId && !rows.some((r) => r.id === messageId)) throw ChatProblems.messageNotFound.error('Message not found in this conversation');
    return transcriptOf(conv, rows, messageId ?? null, clock.now());
  }

  async function file(actor: Actor, orgId: string, conversationId: string, query: { format: ExportFormat; messageId?: string }) {
    const t = await transcript(actor, orgId, conversationId, query.messageId);
    const fileName = `${fileStem(t.title ?? 'conversation')}-${t.exportedAt.slice(0, 10)}.${query.format}`;
    let body: Buffer;
    if (query.format === 'json') body = Buffer.from(JSON.stringify(t, null, 2));
    else if (query.format === 'md') body = Buffer.from((await import('./export-markdown.ts')).transcriptMarkdown(t));
    else {
      const timeZone = (await orgs.getOrganization(orgId))?.timezone ?? 'UTC';
      // pdfkit is loaded on the first PDF, not at start.
      body = await (await import('./export-pdf.ts')).transcriptPdf(t, timeZone);
    }
    return { fileName, contentType: CONTENT_TYPES[query.format], body };
  }

  return { transcript, file };
}

export type Exports = ReturnType<typeof createExports>;
