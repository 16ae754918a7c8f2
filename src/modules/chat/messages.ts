// Messages of a conversation: the tree, a question and its streamed answer, a regeneration,
// following an answer (resume) and stopping it. Every answer, here and in agent/act, starts in
// `begin`: the path it follows, the checks, then the generation (generation.ts).
import type { Readable } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { invalid } from '../../core/errors.ts';
import type { Clock } from '../../core/module.ts';
import type { RealtimeBroker } from '../../core/realtime/types.ts';
import { DOCUMENT_RULE } from '../../core/llm/tools.ts';
import type { Attachments } from './attachments.ts';
import type { Conversations } from './conversations.ts';
import type { Generation, Generations } from './generation.ts';
import { type AttachedText, attachmentIdsOf, type HistoryMessage, modelMessages, newestOf, pathTo, titleFrom } from './history.ts';
import type { Knowledge } from './knowledge.ts';
import type { ProjectScope } from './project-scope.ts';
import { publishStop } from './live.ts';
import { ChatProblems } from './problems.ts';
import { attachments, type ConversationRow, type MessageRow, messages } from './repository.ts';
import type { AnswerState, Tails } from './tail.ts';
import { type ChatMessage, toMessage } from './views.ts';

export interface MessagesDeps {
  db: Executor;
  realtime: RealtimeBroker;
  clock: Clock;
  conversations: Conversations;
  generations: Generations;
  tails: Tails;
  attachments: Pick<Attachments, 'checkNamed'>;
  knowledge: Knowledge;
  projectScope: Pick<ProjectScope, 'prompt'>;
  settings: { maxSteps: number; maxMessages: number; answerTimeoutMs: number };
}

export interface BeginAnswer {
  /** The new question, stored with the answer; absent: answer `parentId` (a question) again. */
  question?: string;
  /** Attachments of the conversation the new question comes with. */
  attachmentIds?: readonly string[];
  /** What the question (or the answer) follows: a message id, null (a first question), or undefined (the newest message). */
  parentId: string | null | undefined;
  /** A new conversation, stored with the question and the answer (agent/act). */
  create?: (tx: Executor) => Promise<void>;
  modelId?: string | null;
  feature: string;
  timeoutMs: number;
}

export function createMessages(deps: MessagesDeps) {
  const { db, realtime, clock, generations, tails, settings } = deps;
  const { mine } = deps.conversations;

  async function tree(actor: Actor, orgId: string, conversationId: string): Promise<{ data: ChatMessage[]; activePath: string[] }> {
    await mine(actor, orgId, conversationId);
    await generations.closeStale(actor, orgId, { conversationId });
    const rows = await messages.all(db, conversationId);
    return { data: rows.map(toMessage), activePath: pathTo(rows, newestOf(rows)?.id ?? null).map((r) => r.id) };
  }

  async function get(actor: Actor, orgId: string, conversationId: string, messageId: string): Promise<ChatMessage> {
    await mine(actor, orgId, conversationId);
    await generations.closeStale(actor, orgId, { messageId });
    return toMessage(await one(conversationId, messageId));
  }

  async function one(conversationId: string, messageId: string): Promise<MessageRow> {
    const row = await messages.byId(db, conversationId, messageId);
    if (!row) throw ChatProblems.messageNotFound.error('Message not found in this conversation');
    return row;
  }

  /**
   * Starts an answer in `conv`: after the question (new, stored with it) or again to an
   * existing question. Refuses before anything is stored: a parent that is not a finished
   * answer (or, to answer again, a question), an answer still being written, a full
   * conversation, and every refusal of the model call (catalog, role, budgets).
   */
  async function begin(actor: Actor, orgId: string, conv: ConversationRow, req: BeginAnswer): Promise<Generation & { messageId: string }> {
    let rows = await messages.all(db, conv.id);
    // An answer whose instance died is closed first (then read again): most often there is none.
    if (rows.some(generations.isStale)) {
      await generations.closeStale(actor, orgId, { conversationId: conv.id });
      rows = await messages.all(db, conv.id);
    }
    if (rows.some((m) => m.status === 'streaming')) throw ChatProblems.answerInProgress.error('An answer is still being written in this conversation: wait for it or stop it');
    if (rows.length + (req.question === undefined ? 1 : 2) > settings.maxMessages) {
      throw ChatProblems.conversationFull.error(`The conversation holds ${rows.length} messages, the most it may (${settings.maxMessages})`);
    }
    const parentId = req.parentId === undefined ? (newestOf(rows)?.id ?? null) : req.parentId;
    const parent = parentId ? rows.find((m) => m.id === parentId) : undefined;
    if (parentId && !parent) throw ChatProblems.parentInvalid.error('The parent is not a message of this conversation', { errors: [{ field: 'body.parentId', message: 'is not a message of this conversation' }] });
    if (req.question !== undefined && parent && parent.role !== 'assistant') {
      throw ChatProblems.parentInvalid.error('A question follows an answer', { errors: [{ field: 'body.parentId', message: 'must be an answer (or null for a first question)' }] });
    }

    const attachmentIds = [...(req.attachmentIds ?? [])];
    await deps.attachments.checkNamed(conv.id, attachmentIds);

    const questionId = req.question === undefined ? parentId! : uuidv7();
    const path: HistoryMessage[] = pathTo(rows, parentId);
    if (req.question !== undefined) path.push({ id: questionId, parent_id: parentId, role: 'user', content: req.question, tool_calls: [], attachment_ids: attachmentIds });
    const attached = new Map<string, AttachedText>((await attachments.byIds(db, conv.id, attachmentIdsOf(path))).map((a) => [a.id, a]));
    const history = modelMessages(path, attached);
    const messageId = uuidv7();
    // An assistant applies as it is now and as this user may use it: one made private since, or
    // deleted, ends the conversation's answers with a 404. Its knowledge is what this user may read.
    const assistant = conv.assistant_id ? await deps.conversations.assistantFor(actor, orgId, conv.assistant_id) : null;
    const modelId = req.modelId === undefined ? (conv.model_id ?? assistant?.modelId ?? null) : req.modelId;
    const knowledge = assistant ? await deps.knowledge.documents(orgId, assistant.knowledge) : [];
    const about = conv.project_id ? await deps.projectScope.prompt(actor, orgId, conv.project_id) : null;
    const documentsShown = knowledge.length > 0 || attached.size > 0 || path.some((m) => m.attachment_ids?.length);
    const system =
      [
        assistant?.instructions,
        conv.system,
        about,
        knowledge.length ? ['Knowledge you may cite, by its name:', ...knowledge].join('\n\n') : null,
        documentsShown ? DOCUMENT_RULE : null,
      ]
        .filter(Boolean)
        .join('\n\n') || null;
    const question = req.question;
    const generation = generations.start({
      actor,
      orgId,
      conversationId: conv.id,
      messageId,
      parentId: questionId,
      modelId,
      system,
      ...(assistant ? { enabledTools: assistant.tools, temperature: assistant.temperature } : {}),
      ...(conv.project_id ? { scope: { projectId: conv.project_id } } : {}),
      history,
      maxSteps: settings.maxSteps,
      feature: req.feature,
      timeoutMs: req.timeoutMs,
      ...(question === undefined ? {} : { question: { id: questionId, parentId, content: question, attachmentIds } }),
      title: question !== undefined && !rows.length ? titleFrom(question) : null,
      create: req.create,
    });
    return { ...generation, messageId };
  }

  /** The stream of an answer (the whole of it after `afterSeq`), its dead generation closed on the way. */
  function streamOf(actor: Actor, orgId: string, conversationId: string, messageId: string, afterSeq: number): Promise<Readable> {
    const state = async (): Promise<AnswerState> => {
      await generations.closeStale(actor, orgId, { messageId });
      const row = await messages.byId(db, conversationId, messageId);
      return !row ? 'gone' : row.status === 'streaming' ? 'streaming' : 'ended';
    };
    return tails.follow(messageId, afterSeq, state);
  }

  /** Asks a question; answers the stream of its answer once the model call is accepted. */
  async function send(actor: Actor, orgId: string, conversationId: string, input: { content: string; parentId?: string | null; attachmentIds?: string[] }): Promise<Readable> {
    // A question may be only its attachments ("what is in this?" goes without saying); with none, it needs words.
    if (!input.content.trim() && !input.attachmentIds?.length) throw invalid('body.content', 'must not be empty or only spaces (unless the question comes with attachmentIds)');
    const conv = await mine(actor, orgId, conversationId);
    const answer = await begin(actor, orgId, conv, {
      question: input.content,
      attachmentIds: input.attachmentIds,
      parentId: input.parentId,
      feature: 'chat',
      timeoutMs: settings.answerTimeoutMs,
    });
    await answer.accepted;
    return streamOf(actor, orgId, conversationId, answer.messageId, 0);
  }

  /** Answers a question again (a question's id), or writes another answer beside one (an answer's id): a new branch; the old stays. */
  async function regenerate(actor: Actor, orgId: string, conversationId: string, messageId: string): Promise<Readable> {
    const conv = await mine(actor, orgId, conversationId);
    const target = await one(conversationId, messageId);
    const questionId = target.role === 'user' ? target.id : target.parent_id;
    if (!questionId) throw ChatProblems.parentInvalid.error('This answer follows no question');
    const answer = await begin(actor, orgId, conv, { parentId: questionId, feature: 'chat', timeoutMs: settings.answerTimeoutMs });
    await answer.accepted;
    return streamOf(actor, orgId, conversationId, answer.messageId, 0);
  }

  async function follow(actor: Actor, orgId: string, conversationId: string, messageId: string, lastEventId: number): Promise<Readable> {
    await mine(actor, orgId, conversationId);
    const row = await one(conversationId, messageId);
    if (row.role !== 'assistant') throw ChatProblems.messageNotFound.error('No answer has this id in this conversation');
    return streamOf(actor, orgId, conversationId, messageId, lastEventId);
  }

  /**
   * Asks the instance running the answer to stop it (it ends `stopped`, with its text so far):
   * stored, so its next heartbeat sees it, and told at once through realtime. `stopping` is
   * false when the answer had already ended.
   */
  async function stop(actor: Actor, orgId: string, conversationId: string, messageId: string): Promise<{ message: ChatMessage; stopping: boolean }> {
    await mine(actor, orgId, conversationId);
    await generations.closeStale(actor, orgId, { messageId });
    const marked = await messages.requestStop(db, conversationId, messageId, clock.now());
    if (marked) await publishStop(realtime, messageId);
    return { message: toMessage(await one(conversationId, messageId)), stopping: !!marked };
  }

  return { tree, get, begin, send, regenerate, follow, stop, one };
}

export type Messages = ReturnType<typeof createMessages>;
