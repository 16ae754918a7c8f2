// An assistant's knowledge in the prompt: the projects and files it may cite, as documents
// (data, never instructions) after its instructions. The knowledge comes already narrowed to
// what the user asking may read now (AssistantsApi.getAssistant): a project they cannot open is
// not there. A project is its record and its live tasks; a file is its text (documents.ts), read
// once per content (by its SHA-256) and kept in a small cache, or the text already read from it
// when it is a chat attachment. All of it together is cut at CHAT_KNOWLEDGE_MAX_CHARS.
import type { Executor } from '../../core/db/database.ts';
import { documentForPrompt } from '../../core/llm/tools.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Storage, StoredFile } from '../../core/storage/index.ts';
import type { ProjectsApi, ProjectSummary, TaskSummary } from '../projects/index.ts';
import { readUpTo } from './attachments.ts';
import { kindOfFile, extractText } from './documents.ts';
import { attachments } from './repository.ts';

export interface KnowledgeDeps {
  db: Executor;
  log: Logger;
  storage: Pick<Storage, 'fileById' | 'open'>;
  projects: Pick<ProjectsApi, 'getProject' | 'listProjectTasks'>;
  settings: { knowledgeMaxChars: number; attachmentMaxBytes: number };
}

export interface KnowledgeRefs {
  projectIds: readonly string[];
  fileIds: readonly string[];
}

/** Texts of files read, by the SHA-256 of their bytes: a file's content never changes under its key. */
const CACHED_FILES = 32;
/** Tasks of a project shown at most (the newest first are not known here: the first by the project's order). */
const MAX_TASKS = 200;

export function createKnowledge(deps: KnowledgeDeps) {
  const { db, log, storage, projects, settings } = deps;
  const cache = new Map<string, { text: string; truncated: boolean }>();

  /** The knowledge as documents for the system prompt, in the order given, within the character budget; [] when none. */
  async function documents(orgId: string, refs: KnowledgeRefs): Promise<string[]> {
    const out: string[] = [];
    let left = settings.knowledgeMaxChars;
    const add = (source: 'project' | 'file', name: string, text: string, truncated: boolean) => {
      if (left <= 0) return;
      const kept = text.length > left ? `${text.slice(0, left)}\n[cut here: the assistant's knowledge is longer than it may show]` : truncated ? `${text}\n[cut here: the file is longer than it may show]` : text;
      left -= Math.min(text.length, left);
      out.push(documentForPrompt(source, name, kept));
    };
    for (const id of refs.projectIds) {
      const project = await projects.getProject(orgId, id);
      if (!project) continue;
      add('project', project.name, projectText(project, await projects.listProjectTasks(orgId, id)), false);
    }
    for (const id of refs.fileIds) {
      const file = await storage.fileById(id);
      if (!file || file.orgId !== orgId) continue;
      const read = await fileText(orgId, file);
      add('file', file.fileName, read.text, read.truncated);
    }
    return out;
  }

  async function fileText(orgId: string, file: StoredFile): Promise<{ text: string; truncated: boolean }> {
    const attached = await attachments.textOf(db, orgId, file.id);
    if (attached) return attached;
    const hit = cache.get(file.sha256);
    if (hit) return hit;
    const kind = kindOfFile(file.contentType, file.fileName);
    if (!kind) return { text: `(A ${file.contentType} file: it cannot be read as text.)`, truncated: false };
    if (file.size > settings.attachmentMaxBytes) return { text: `(The file is too large to read: ${file.size} bytes, past the ${settings.attachmentMaxBytes} an attachment may have.)`, truncated: false };
    let read: { text: string; truncated: boolean };
    try {
      const { body } = await storage.open(file.key);
      const bytes = await readUpTo(body, settings.attachmentMaxBytes).finally(() => body.destroy());
      const extracted = await extractText(bytes, kind, settings.knowledgeMaxChars);
      read = { text: extracted.text, truncated: extracted.truncated };
    } catch (err) {
      log.warn({ fileId: file.id, err: (err as Error).message }, 'chat: a knowledge file could not be read');
      return { text: '(The file could not be read as text.)', truncated: false };
    }
    cache.set(file.sha256, read);
    if (cache.size > CACHED_FILES) cache.delete(cache.keys().next().value!);
    return read;
  }

  return { documents };
}

export type Knowledge = ReturnType<typeof createKnowledge>;

/** A project as a document: its record, description and tasks, in plain lines. */
export function projectText(p: ProjectSummary, tasks: readonly TaskSummary[]): string {
  const lines = [`Project ${p.name} (key ${p.key}), ${p.status}`];
  if (p.client) lines.push(`Client: ${p.client}`);
  if (p.tags.length) lines.push(`Tags: ${p.tags.join(', ')}`);
  if (p.budgetHours !== null) lines.push(`Budget: ${p.budgetHours} hours`);
  if (p.budgetMinor !== null && p.currency) lines.push(`Budget: ${(p.budgetMinor / 100).toFixed(2)} ${p.currency}`);
  if (p.description) lines.push('', 'Description:', p.description);
  if (tasks.length) {
    lines.push('', `Tasks (${tasks.length}):`);
    for (const t of tasks.slice(0, MAX_TASKS)) lines.push(`- [${t.status}] ${t.name}${t.estimateMinutes !== null ? ` (estimate ${Math.round((t.estimateMinutes / 60) * 10) / 10} h)` : ''}`);
    if (tasks.length > MAX_TASKS) lines.push(`- … and ${tasks.length - MAX_TASKS} more`);
  }
  return lines.join('\n');
}
