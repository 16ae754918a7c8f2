// Runs an answer for a stored message, apart from any HTTP connection: the client that asked
// may leave, the answer goes on and is stored. The instance that runs it writes its chunks as
// they come (chunk-writer.ts), beats its heart, hears a stop from any instance (realtime, and
// every heartbeat reads the stop request), and writes the message's end whatever happens: `done`,
// `stopped` (the stop), or `failed` (a model call's problem, the time limit, a bug, a shutdown)
// with the text so far. If this process dies, a reader gives the answer up once its heart has
// not beaten for CHAT_STALE_AFTER (closeStale).
import type { Actor } from '../../core/context/actor.ts';
import { runOutsideRequest } from '../../core/context/request-context.ts';
import type { Executor } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { RealtimeBroker } from '../../core/realtime/types.ts';
import { type AnswerDeps, type AnswerRequest, runAnswer } from './answer.ts';
import { createChunkWriter } from './chunk-writer.ts';
import { answerChannel, publishChunks, STOP_EVENT } from './live.ts';
import { ANSWER_ERRORS, ChatProblems } from './problems.ts';
import { chunks, type MessageRow, messages, type StartRows } from './repository.ts';
import { storable } from './whole-characters.ts';
import { type AnswerRecord, addChunk, type ChunkPayloads, emptyRecord, type ErrorInfo, type FinalStatus, foldChunks, type StoredChunk } from './transcript.ts';

export interface GenerationDeps extends AnswerDeps {
  db: Executor;
  events: EventPublisher;
  realtime: RealtimeBroker;
  clock: Clock;
  log: Logger;
  staleAfterMs: number;
}

/** Why an answer was aborted. */
type AbortReason = { kind: 'stop' } | { kind: 'time'; ms: number } | { kind: 'lost' } | { kind: 'shutdown' };

export interface StartAnswer extends Omit<AnswerRequest, 'signal'> {
  parentId: string;
  timeoutMs: number;
  /** A new question the answer follows, stored with it once the model call is accepted (absent: it answers `parentId` again). */
  question?: StartRows['question'];
  /** A title for the conversation, if it has none (its first question's). */
  title?: string | null;
  /** Stores what must exist first (a new conversation, agent/act) in the transaction that stores the answer. */
  create?: (tx: Executor) => Promise<void>;
}

export interface Generation {
  /** Settles when the answer is stored and running; rejects with the first call's refusal (nothing stored). */
  accepted: Promise<void>;
  /** The message as it ended (null: refused, or given up by a reader); never rejects. */
  finished: Promise<MessageRow | null>;
}

export function createGenerations(deps: GenerationDeps) {
  const { db, events, realtime, clock, log } = deps;
  /** The answers this process runs, to abort at shutdown. */
  const running = new Map<string, { abort(reason: AbortReason): void; finished: Promise<unknown> }>();

  function start(req: StartAnswer): Generation {
    let accept!: () => void;
    let refuse!: (err: unknown) => void;
    const accepted = new Promise<void>((resolve, reject) => {
      accept = resolve;
      refuse = reject;
    });
    // Its own work, outside the request: the request's pool deadline and trace end with it.
    const finished = runOutsideRequest(() => run(req, accept, refuse));
    return { accepted, finished };
  }

  async function run(req: StartAnswer, accept: () => void, refuse: (err: unknown) => void): Promise<MessageRow | null> {
    const { messageId } = req;
    const control = new AbortController();
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const abort = (reason: AbortReason) => {
      if (!control.signal.aborted) control.abort(reason);
    };
    const deadline = setTimeout(() => abort({ kind: 'time', ms: req.timeoutMs }), req.timeoutMs);
    const record = emptyRecord();
    let model: string | null = null;
    let stored = false;
    let unsubscribe = () => {};
    let heartbeat: NodeJS.Timeout | undefined;
    const writer = createChunkWriter({
      db,
      realtime,
      clock,
      log,
      messageId,
      firstSeq: 2,
      onPulse: (pulse) => {
        if (!pulse.streaming) abort({ kind: 'lost' });
        else if (pulse.stopRequested) abort({ kind: 'stop' });
      },
    });

    let end: { status: FinalStatus; error: ErrorInfo | null } = { status: 'done', error: null };
    try {
      await runAnswer(deps, { ...req, signal: control.signal }, {
        accepted: async () => {
          writer.storedBefore([await store(req)]);
          stored = true;
          running.set(messageId, { abort, finished: settled });
          unsubscribe = realtime.subscribe(answerChannel(messageId), (m) => {
            if (m.event === STOP_EVENT) abort({ kind: 'stop' });
          });
          heartbeat = setInterval(writer.beat, Math.max(100, Math.floor(deps.staleAfterMs / 6)));
          accept();
        },
        emit: (given) => {
          // Text is whole characters already (answer.ts); a tool's input or output, or an error,
          // may hold what jsonb refuses (U+0000, half a character), which would fail every write of the answer.
          const chunk = given.kind === 'text' ? given : ({ ...given, data: storable(given.data) } as typeof given);
          addChunk(record, chunk);
          writer.add(chunk);
        },
        answeredBy: (m) => {
          model = m;
        },
      });
    } catch (err) {
      if (!stored) {
        // Refused before anything was stored (or storing failed): the provider's request, if any, goes too.
        abort({ kind: 'lost' });
        refuse(err);
        return null;
      }
      end = endOf(control.signal, err, req);
    } finally {
      clearTimeout(deadline);
      clearInterval(heartbeat);
      unsubscribe();
    }
    try {
      if (control.signal.reason?.kind === 'lost') return null;
      // What the writer has not stored yet goes with the end, in its statement.
      const rest = await writer.remaining();
      return await finish(req, rest, writer.nextSeq(), { ...end, record, model });
    } catch (err) {
      log.error({ messageId, err: (err as Error).message }, 'chat: the end of an answer was not written; a reader closes it once it is stale');
      return null;
    } finally {
      writer.release();
      running.delete(messageId);
      settle();
    }
  }

  /**
   * The answer's row and its `start` chunk, with its question and the conversation's activity:
   * one statement (messages.start), in a transaction only when a new conversation comes first.
   */
  async function store(req: StartAnswer): Promise<StoredChunk> {
    const at = clock.now();
    const start: ChunkPayloads['start'] = { conversationId: req.conversationId, messageId: req.messageId, parentId: req.parentId, modelId: req.modelId };
    const startChunk: StoredChunk = { seq: 1, kind: 'start', data: start };
    const rows: StartRows = {
      question: req.question ?? null,
      answer: { id: req.messageId, conversationId: req.conversationId, parentId: req.parentId, modelId: req.modelId ?? null },
      first: startChunk,
      title: req.title ?? null,
      at,
    };
    const { create } = req;
    await (create
      ? db.transaction().execute(async (tx) => {
          await create(tx);
          await messages.start(tx, rows);
        })
      : messages.start(db, rows)
    ).catch((err: { code?: string }) => {
      // messages_one_streaming_idx: another answer of this conversation started meanwhile.
      if (err.code === '23505') throw ChatProblems.answerInProgress.error('An answer is already being written in this conversation');
      throw err;
    });
    return startChunk;
  }

  function endOf(signal: AbortSignal, err: unknown, req: StartAnswer): { status: FinalStatus; error: ErrorInfo | null } {
    const reason = signal.aborted ? (signal.reason as AbortReason) : null;
    if (reason?.kind === 'stop') return { status: 'stopped', error: null };
    // Given up by a reader, or deleted: nothing more is written for it.
    if (reason?.kind === 'lost') return { status: 'failed', error: { code: ANSWER_ERRORS.lost, message: 'The answer was given up' } };
    if (reason?.kind === 'time') return { status: 'failed', error: { code: ANSWER_ERRORS.timeLimit, message: `The answer took longer than ${reason.ms / 1000} s and was cut there` } };
    if (reason?.kind === 'shutdown') return { status: 'failed', error: { code: ANSWER_ERRORS.interrupted, message: 'The server shut down while answering: regenerate the answer' } };
    if (err instanceof AppError) return { status: 'failed', error: { code: err.code, message: err.message } };
    log.error({ messageId: req.messageId, err: (err as Error)?.message, stack: (err as Error)?.stack }, 'chat: an answer failed');
    return { status: 'failed', error: { code: ANSWER_ERRORS.failed, message: 'The answer failed on the server' } };
  }

  type End = { status: FinalStatus; error: ErrorInfo | null; record: AnswerRecord; model: string | null };
  type Ending = Pick<StartAnswer, 'actor' | 'orgId' | 'conversationId' | 'messageId'>;

  /**
   * Writes the message's end, its chunks not stored yet (`rest`) and `done`, the conversation's
   * activity and the event, in one statement, if the answer is still streaming (a reader may
   * have given it up).
   */
  async function writeEnd(db: Executor, req: Ending, rest: readonly StoredChunk[], seq: number, end: End): Promise<{ row: MessageRow; done: StoredChunk } | null> {
    const at = clock.now();
    const { record } = end;
    const done: StoredChunk = { seq, kind: 'done', data: { status: end.status, usage: record.usage, model: end.model, error: end.error } };
    const set = {
      status: end.status,
      content: record.content,
      tool_calls: record.toolCalls,
      model: end.model,
      input_tokens: record.usage.inputTokens,
      output_tokens: record.usage.outputTokens,
      error_code: end.error?.code ?? null,
      error_message: end.error?.message ?? null,
      updated_at: at,
    };
    const event = (source: string) =>
      events.inserting(
        source,
        'chat.message_completed',
      {
        orgId: req.orgId,
        conversationId: req.conversationId,
        messageId: req.messageId,
        status: end.status,
        model: end.model,
        inputTokens: record.usage.inputTokens,
        outputTokens: record.usage.outputTokens,
        toolCalls: record.toolCalls.length,
        errorCode: end.error?.code ?? null,
        },
        { actor: req.actor, orgId: req.orgId },
      );
    const row = await messages.finish(db, req.messageId, set, [...rest, done], event);
    return row ? { row, done } : null;
  }

  /** Ends an answer, then tells its followers. */
  async function finish(req: Ending, rest: readonly StoredChunk[], seq: number, end: End): Promise<MessageRow | null> {
    const written = await writeEnd(db, req, rest, seq, end);
    if (written) publishChunks(realtime, req.messageId, [written.done]);
    return written?.row ?? null;
  }

  /**
   * Gives up the answers of a conversation (or one answer) whose heart has not beaten for
   * CHAT_STALE_AFTER: their instance died mid-answer. Each ends `failed` (CHAT.ANSWER_LOST) with
   * what its chunks hold, locked while it is read and closed, and its followers get the `done` chunk.
   */
  async function closeStale(actor: Actor, orgId: string, where: { conversationId: string } | { messageId: string }): Promise<void> {
    const before = new Date(clock.now().getTime() - deps.staleAfterMs);
    for (const { id } of await messages.stale(db, where, before)) {
      const written = await db.transaction().execute(async (tx) => {
        const locked = await messages.lockStale(tx, id, before);
        if (!locked) return null; // it beat meanwhile, or ended
        const stored = await chunks.all(tx, id);
        const seq = (stored.at(-1)?.seq ?? 0) + 1;
        const error = { code: ANSWER_ERRORS.lost, message: 'The server answering stopped responding; the answer ends with what it had written' };
        return writeEnd(tx, { actor, orgId, conversationId: locked.conversation_id, messageId: id }, [], seq, { status: 'failed', error, record: foldChunks(stored), model: null });
      });
      if (written) publishChunks(realtime, id, [written.done]);
    }
  }

  return {
    start,
    closeStale,
    /** Whether `row` is an answer whose heart has not beaten for CHAT_STALE_AFTER (closeStale would close it). */
    isStale: (row: Pick<MessageRow, 'status' | 'updated_at'>) => row.status === 'streaming' && row.updated_at.getTime() < clock.now().getTime() - deps.staleAfterMs,
    /** Aborts every answer this process runs (shutdown): each ends `failed` (CHAT.INTERRUPTED) with its text so far. */
    async stopAll(): Promise<void> {
      const all = [...running.values()];
      for (const r of all) r.abort({ kind: 'shutdown' });
      await Promise.allSettled(all.map((r) => r.finished));
    },
  };
}

export type Generations = ReturnType<typeof createGenerations>;
