// One answer streaming into a page: ask, regenerate, resume (after a reload, or when the
// connection drops) and stop. The answer goes on on the server whatever the connection does;
// this follows it and, when the stream is cut before `done`, picks it up again after the last
// event seen. Reusable by any page showing a conversation (the codebase's chat too).
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import { applyEvent, emptyAnswer, type LiveAnswer, readAnswerStream } from '../../api/answerStream';

type Open = (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>;
const RESUME_DELAY_MS = 1000;

export interface AskBody {
  content: string;
  parentId?: string | null;
  attachmentIds?: string[];
}

export function useAnswerStream(orgId: string, conversationId: string, on: { started?: (a: LiveAnswer) => void; ended?: (a: LiveAnswer) => void } = {}) {
  const [live, setLive] = useState<LiveAnswer | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const running = useRef<AbortController | null>(null);
  const handlers = useRef(on);
  handlers.current = on;
  const path = { orgId, conversationId };

  const openResume = useCallback(
    (messageId: string, lastEventId: string | null, signal: AbortSignal) =>
      call(
        api.GET('/orgs/{orgId}/conversations/{conversationId}/messages/{messageId}/stream', {
          params: { path: { orgId, conversationId, messageId }, query: lastEventId ? { lastEventId: Number(lastEventId) } : {} },
          parseAs: 'stream',
          signal,
        }),
      ) as Promise<ReadableStream<Uint8Array>>,
    [orgId, conversationId],
  );

  /** Opens a stream and reads it in the background; answers once the API took the request (true) or refused it (false). */
  const run = useCallback(
    (open: Open): Promise<boolean> => {
      running.current?.abort();
      const controller = new AbortController();
      running.current = controller;
      let answer = emptyAnswer();
      setProblem(null);
      setLive(answer);
      let accepted!: (taken: boolean) => void;
      const taken = new Promise<boolean>((resolve) => {
        accepted = resolve;
      });
      void (async () => {
        try {
          let body = await open(controller.signal);
          accepted(true);
          while (true) {
            const ended = await readAnswerStream(
              body,
              (event, id) => {
                answer = applyEvent(answer, event, id);
                if (running.current === controller) setLive(answer);
                if (event.event === 'start') handlers.current.started?.(answer);
              },
              controller.signal,
            ).catch(() => false);
            if (ended || controller.signal.aborted || !answer.messageId) break;
            // Cut before the end (a network blip, a restarted proxy): take it up where it stopped.
            await new Promise((r) => setTimeout(r, RESUME_DELAY_MS));
            if (controller.signal.aborted) break;
            body = await openResume(answer.messageId, answer.lastEventId, controller.signal);
          }
        } catch (err) {
          accepted(false);
          if (controller.signal.aborted) return;
          setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
          if (!answer.messageId) setLive(null);
        } finally {
          if (running.current === controller) {
            running.current = null;
            // Ended without `done` and not taken up again: the stored message says how it stands.
            if (!controller.signal.aborted && answer.status === 'streaming') setLive(null);
            if (!controller.signal.aborted) handlers.current.ended?.(answer);
          }
        }
      })();
      return taken;
    },
    [openResume],
  );

  // Leaving the page stops reading, never the answer: it goes on and is stored.
  useEffect(() => () => running.current?.abort(), []);

  return {
    live,
    problem,
    busy: live?.status === 'streaming',
    clear: () => setProblem(null),
    ask: (body: AskBody) =>
      run(
        (signal) =>
          call(api.POST('/orgs/{orgId}/conversations/{conversationId}/messages', { params: { path }, body, parseAs: 'stream', signal })) as Promise<
            ReadableStream<Uint8Array>
          >,
      ),
    regenerate: (messageId: string) =>
      run(
        (signal) =>
          call(api.POST('/orgs/{orgId}/conversations/{conversationId}/messages/{messageId}/regenerate', { params: { path: { ...path, messageId } }, parseAs: 'stream', signal })) as Promise<
            ReadableStream<Uint8Array>
          >,
      ),
    /** Follows an answer still being written (found streaming after a reload): the whole of it from the start. */
    resume: (messageId: string) => run((signal) => openResume(messageId, null, signal)),
    stop: async () => {
      const messageId = live?.messageId;
      if (!messageId) return;
      try {
        await call(api.POST('/orgs/{orgId}/conversations/{conversationId}/messages/{messageId}/stop', { params: { path: { ...path, messageId } } }));
      } catch (err) {
        setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      }
    },
  };
}
