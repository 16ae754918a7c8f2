// Attachments: files a user gives their conversation for the model to read (text, Markdown,
// CSV, PDF). The upload is read whole up to CHAT_ATTACHMENT_MAX_BYTES, its text read from it
// (documents.ts) before anything is kept, so a file no model could read is refused and nothing
// is stored; then the bytes go to core/storage (the org's quota) and the text to
// chat.attachments. A question names the attachments it comes with; history.ts puts their text
// in the prompt as documents.
import type { Readable } from 'node:stream';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import { type Storage, StorageProblems } from '../../core/storage/index.ts';
import type { Conversations } from './conversations.ts';
import { CONTENT_TYPES, type DocumentKind, extractText, kindOfName } from './documents.ts';
import { ChatProblems } from './problems.ts';
import { type AttachmentInfo, type AttachmentRow, attachments } from './repository.ts';

/** Attachments one conversation holds at most: each may cost a model up to CHAT_ATTACHMENT_MAX_CHARS of context. */
export const MAX_ATTACHMENTS_PER_CONVERSATION = 50;
/** How long the download link of an attachment works. */
const LINK_SECONDS = 15 * 60;

export interface AttachmentsDeps {
  db: Executor;
  clock: Clock;
  log: Logger;
  storage: Storage;
  conversations: Pick<Conversations, 'mine'>;
  settings: { attachmentMaxBytes: number; attachmentMaxChars: number };
}

export interface Attachment {
  id: string;
  conversationId: string;
  fileName: string;
  kind: DocumentKind;
  size: number;
  chars: number;
  truncated: boolean;
  pages: number | null;
  downloadUrl: string;
  createdAt: string;
}

export interface UploadAttachment {
  fileName: string;
  kind?: DocumentKind;
  body: Readable;
}

export function createAttachments(deps: AttachmentsDeps) {
  const { db, clock, log, storage, conversations, settings } = deps;
  /** The cap of one upload: the chat's own, never above what core/storage takes. */
  const maxBytes = Math.min(settings.attachmentMaxBytes, storage.limits.maxUploadBytes);

  const toAttachment = (r: AttachmentInfo): Attachment => ({
    id: r.id,
    conversationId: r.conversation_id,
    fileName: r.file_name,
    kind: r.kind,
    size: Number(r.size),
    chars: r.chars,
    truncated: r.truncated,
    pages: r.pages,
    downloadUrl: storage.signedUrl(r.storage_key, { expiresInSeconds: LINK_SECONDS }),
    createdAt: r.created_at.toISOString(),
  });

  async function upload(actor: Actor, orgId: string, conversationId: string, input: UploadAttachment): Promise<Attachment> {
    await conversations.mine(actor, orgId, conversationId);
    const kind = input.kind ?? kindOfName(input.fileName);
    if (!kind) throw ChatProblems.attachmentUnsupported.error(`"${input.fileName}" is not a .txt, .md, .csv or .pdf file: give its \`kind\` if it is one of them`);
    if ((await attachments.count(db, conversationId)) >= MAX_ATTACHMENTS_PER_CONVERSATION) {
      throw ChatProblems.tooManyAttachments.error(`The conversation holds ${MAX_ATTACHMENTS_PER_CONVERSATION} attachments, the most it may`);
    }
    const bytes = await readUpTo(input.body, maxBytes);
    const read = await extractText(bytes, kind, settings.attachmentMaxChars);
    const saved = await storage.save({ orgId, scope: `chat/${conversationId}`, fileName: input.fileName, contentType: CONTENT_TYPES[kind], body: bytes, userId: actor.principal.userId });
    const row: AttachmentRow = {
      id: saved.id,
      conversation_id: conversationId,
      storage_key: saved.key,
      file_name: saved.fileName,
      kind,
      size: saved.size,
      text: read.text,
      truncated: read.truncated,
      pages: read.pages,
      created_by: actor.principal.userId,
      created_at: clock.now(),
    };
    try {
      await attachments.insert(db, row);
    } catch (err) {
      // The conversation was deleted meanwhile (its foreign key), or the database went away: the file goes too.
      await storage.remove(saved.key).catch(() => {});
      if ((err as { code?: string }).code === '23503') throw ChatProblems.conversationNotFound.error('Conversation not found');
      throw err;
    }
    return toAttachment({ ...row, chars: row.text.length });
  }

  async function list(actor: Actor, orgId: string, conversationId: string): Promise<{ data: Attachment[] }> {
    await conversations.mine(actor, orgId, conversationId);
    return { data: (await attachments.list(db, conversationId)).map(toAttachment) };
  }

  async function get(actor: Actor, orgId: string, conversationId: string, attachmentId: string): Promise<Attachment & { text: string }> {
    await conversations.mine(actor, orgId, conversationId);
    const row = await attachments.byId(db, conversationId, attachmentId);
    if (!row) throw ChatProblems.attachmentNotFound.error('Attachment not found in this conversation');
    return { ...toAttachment({ ...row, chars: row.text.length }), text: row.text };
  }

  /** Removes it and its file; questions that named it keep its id, and the model is told it was removed. */
  async function remove(actor: Actor, orgId: string, conversationId: string, attachmentId: string): Promise<void> {
    await conversations.mine(actor, orgId, conversationId);
    const key = await attachments.delete(db, conversationId, attachmentId);
    if (!key) throw ChatProblems.attachmentNotFound.error('Attachment not found in this conversation');
    await removeFiles([key]);
  }

  /**
   * 400 when a question names an attachment that is not one of this conversation (or twice).
   * Run before the question is stored.
   */
  async function checkNamed(conversationId: string, ids: readonly string[], exec: Executor = db): Promise<void> {
    if (!ids.length) return;
    const found = new Set((await attachments.byIds(exec, conversationId, ids)).map((a) => a.id));
    const errors = ids.flatMap((id, i) =>
      !found.has(id) ? [{ field: `body.attachmentIds.${i}`, message: 'is not an attachment of this conversation' }] : ids.indexOf(id) !== i ? [{ field: `body.attachmentIds.${i}`, message: 'is named twice' }] : [],
    );
    if (errors.length) throw ChatProblems.attachmentNotFound.error('The question names attachments this conversation does not hold', { errors });
  }

  /** Removes stored files once their rows are gone (a deleted conversation's); a failure is logged, never thrown. */
  async function removeFiles(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await storage.remove(key).catch((err: Error) => log.warn({ key, err: err.message }, 'chat: an attachment\'s file was not removed; it still counts against the quota'));
    }
  }

  return { upload, list, get, remove, checkNamed };
}

export type Attachments = ReturnType<typeof createAttachments>;

/**
 * The whole body, or 413 STORAGE.TOO_LARGE as soon as it passes `maxBytes`: the rest is not
 * read, and the body is not destroyed (it is the request's: the refusal must still be answered).
 */
export async function readUpTo(body: Readable, maxBytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body.iterator({ destroyOnReturn: false })) {
    const chunk = typeof part === 'string' ? Buffer.from(part) : (part as Buffer);
    size += chunk.length;
    if (size > maxBytes) throw StorageProblems.tooLarge.error(`The file is over the limit of ${maxBytes} bytes for an attachment`, { details: { maxBytes } });
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}
