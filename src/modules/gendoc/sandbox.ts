// The main thread's side of the generation worker (worker.ts): one worker per run, fed the
// snapshot's files as it asks for them (a batch at a time, so a large codebase is never held
// whole in either thread), asked to extract, then to render each format; terminated at the end of
// the run or when the job is aborted. Its heap is capped (GENDOC_WORKER_MAX_MB): a codebase that
// would need more fails its run instead of growing the server.
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorKind } from '../../core/errors.ts';
import type { CodeModel, DocFormat, RenderedDocs, SourceFile } from './model.ts';
import type { DocTemplate } from './render/index.ts';
import type { FromWorker, ToWorker } from './worker.ts';

/** Files sent to the worker per request for more. */
const FILES_PER_BATCH = 50;

export interface GenerationWorker {
  extract(input: { project: CodeModel['project']; snapshot: CodeModel['snapshot']; files: AsyncIterable<SourceFile>; onProgress?: (read: number) => void }): Promise<CodeModel>;
  render(model: CodeModel, template: DocTemplate, format: DocFormat, opts: { values: Record<string, string>; generatedAt: Date; timeZone: string; onProgress?: (done: number, total: number) => void }): Promise<RenderedDocs>;
  close(): Promise<void>;
}

export function startGenerationWorker(opts: { maxHeapMb: number; signal?: AbortSignal }): GenerationWorker {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb } });
  let current: { onMessage(m: FromWorker): void; fail(err: Error): void } | null = null;
  let dead: Error | null = null;

  const die = (err: Error) => {
    dead ??= err;
    current?.fail(err);
  };
  worker.on('message', (m: FromWorker) => current?.onMessage(m));
  worker.on('error', (err) => die(err.message.includes('memory') ? new AppError('unprocessable', 'GENDOC.TOO_LARGE', 'The documentation needs more memory than a run may use (GENDOC_WORKER_MAX_MB)') : err));
  worker.on('exit', (code) => die(new Error(`the generation worker stopped (exit code ${code})`)));
  const abort = () => void worker.terminate();
  opts.signal?.addEventListener('abort', abort, { once: true });

  /** Runs one request to the worker until its answer (`done` returns a value) or a failure. */
  function ask<T>(message: ToWorker, done: (m: FromWorker) => T | undefined, onOther?: (m: FromWorker) => void): Promise<T> {
    if (dead) return Promise.reject(dead);
    return new Promise<T>((resolve, reject) => {
      current = {
        onMessage(m) {
          if (m.type === 'failed') {
            current = null;
            reject(new AppError(m.error.kind as ErrorKind, m.error.code, m.error.message, m.error.errors ? { errors: m.error.errors } : {}));
            return;
          }
          const value = done(m);
          if (value !== undefined) {
            current = null;
            resolve(value);
          } else onOther?.(m);
        },
        fail(err) {
          current = null;
          reject(err);
        },
      };
      worker.postMessage(message);
    });
  }

  return {
    async extract(input) {
      const source = input.files[Symbol.asyncIterator]();
      let sending = Promise.resolve();
      // A batch read from storage for each request: the worker never waits for more than one.
      const sendBatch = async () => {
        const files: SourceFile[] = [];
        let end = false;
        while (files.length < FILES_PER_BATCH) {
          const next = await source.next();
          if (next.done) {
            end = true;
            break;
          }
          files.push(next.value);
        }
        if (!dead) worker.postMessage({ op: 'files', files, end } satisfies ToWorker);
      };
      return ask<CodeModel>(
        { op: 'extract', project: input.project, snapshot: input.snapshot },
        (m) => (m.type === 'model' ? m.model : undefined),
        (m) => {
          if (m.type === 'more') sending = sending.then(sendBatch).catch((err: Error) => die(err));
          else if (m.type === 'progress' && m.read !== undefined) input.onProgress?.(m.read);
        },
      );
    },

    async render(model, template, format, o) {
      const rendered = await ask(
        { op: 'render', model, template, format, values: o.values, generatedAt: o.generatedAt.toISOString(), timeZone: o.timeZone },
        (m) => (m.type === 'rendered' ? m.rendered : undefined),
        (m) => {
          if (m.type === 'progress' && m.done !== undefined) o.onProgress?.(m.done, m.total ?? m.done);
        },
      );
      return { ...rendered, bytes: Buffer.from(rendered.bytes.buffer, rendered.bytes.byteOffset, rendered.bytes.byteLength) };
    },

    async close() {
      opts.signal?.removeEventListener('abort', abort);
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
