// The generation's CPU work, in a worker thread of its own (decision 0049): parsing a codebase and
// writing a PDF of a thousand pages take seconds of synchronous work and a few hundred MB of short-
// lived memory, which in the server's thread would stall every other request and grow its heap.
// The main thread (sandbox.ts) feeds it the snapshot's files on demand and takes back the model
// and each rendered file; the worker ends with the run, and its heap with it.
//
// Protocol (messages to the worker → from it):
//   {op: 'extract', project, snapshot}      → {type: 'more'} whenever it wants files,
//   {op: 'files', files}, {op: 'files', end} → {type: 'progress', read}…, then {type: 'model', model}
//   {op: 'render', model, template, format, opts} → {type: 'progress', done, total}…, then {type: 'rendered', rendered}
//   any failure → {type: 'failed', error: {kind, code, message, errors}} (an AppError rebuilt by the other side)
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../core/errors.ts';
import { extractModel } from './extract/index.ts';
import type { CodeModel, DocFormat, SourceFile } from './model.ts';
import { type DocTemplate, renderDocs } from './render/index.ts';

export type ToWorker =
  | { op: 'extract'; project: CodeModel['project']; snapshot: CodeModel['snapshot'] }
  | { op: 'files'; files: SourceFile[]; end: boolean }
  | { op: 'render'; model: CodeModel; template: DocTemplate; format: DocFormat; values: Record<string, string>; generatedAt: string; timeZone: string };

export type FromWorker =
  | { type: 'more' }
  | { type: 'progress'; read?: number; done?: number; total?: number }
  | { type: 'model'; model: CodeModel }
  | { type: 'rendered'; rendered: { format: DocFormat; fileName: string; contentType: string; bytes: Uint8Array; pages: number } }
  | { type: 'failed'; error: { kind: string; code: string; message: string; errors?: { field: string; message: string }[] } };

const port = parentPort;
if (!port) throw new Error('gendoc/worker.ts runs as a worker thread (sandbox.ts starts it)');
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** The files the main thread sends, as the async iterable extraction reads: asked for a batch at a time. */
function incomingFiles(): AsyncIterable<SourceFile> & { push(files: SourceFile[], end: boolean): void } {
  const queue: SourceFile[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  return {
    push(files, end) {
      queue.push(...files);
      ended ||= end;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length) {
          yield queue.shift()!;
          continue;
        }
        if (ended) return;
        send({ type: 'more' });
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
  };
}

let files: ReturnType<typeof incomingFiles> | null = null;

async function handle(message: ToWorker): Promise<void> {
  switch (message.op) {
    case 'extract': {
      files = incomingFiles();
      const model = await extractModel({ project: message.project, snapshot: message.snapshot, files, onProgress: (read) => send({ type: 'progress', read }) });
      send({ type: 'model', model });
      return;
    }
    case 'files':
      files?.push(message.files, message.end);
      return;
    case 'render': {
      const rendered = await renderDocs(message.model, message.template, message.format, {
        values: message.values,
        generatedAt: new Date(message.generatedAt),
        timeZone: message.timeZone,
        onProgress: (done, total) => send({ type: 'progress', done, total }),
      });
      const bytes = new Uint8Array(rendered.bytes.buffer, rendered.bytes.byteOffset, rendered.bytes.byteLength);
      send({ type: 'rendered', rendered: { format: rendered.format, fileName: rendered.fileName, contentType: rendered.contentType, bytes, pages: rendered.pages } });
      return;
    }
  }
}

port.on('message', (message: ToWorker) => {
  handle(message).catch((err: unknown) => {
    const error = err instanceof AppError ? { kind: err.kind, code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}) } : { kind: 'internal', code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
    send({ type: 'failed', error });
  });
});
