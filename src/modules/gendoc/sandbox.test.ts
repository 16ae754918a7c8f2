// The generation worker: files fed on demand, a model back, a rendering back, failures rebuilt as
// the AppErrors they were, and an abort that ends the worker and its run.
import { describe, expect, it } from 'vitest';
import type { SourceFile } from './model.ts';
import { DEFAULT_TEMPLATE } from './render/index.ts';
import { startGenerationWorker } from './sandbox.ts';

const project = { name: 'Demo', description: null };
const snapshot = { version: 1, name: 'demo.zip', createdAt: '2026-12-07T00:00:00.000Z' };

async function* many(n: number): AsyncGenerator<SourceFile> {
  for (let i = 0; i < n; i++) {
    const text = `/** Doubles ${i}. */\nexport function double${i}(x: number): number {\n  return x * 2;\n}\n`;
    yield { path: `src/f${String(i).padStart(3, '0')}.ts`, language: 'typescript', size: text.length, text };
  }
}

describe('the generation worker', () => {
  it('extracts files it asks for in batches, then renders, off the main thread', async () => {
    const worker = startGenerationWorker({ maxHeapMb: 256 });
    try {
      const progress: number[] = [];
      const model = await worker.extract({ project, snapshot, files: many(120), onProgress: (read) => progress.push(read) });
      expect(model.files).toHaveLength(120);
      expect(model.files[7].symbols[0]).toMatchObject({ name: 'double7', doc: 'Doubles 7.', exported: true });
      expect(progress.at(-1)).toBe(120);
      const md = await worker.render(model, DEFAULT_TEMPLATE, 'md', { values: {}, generatedAt: new Date(), timeZone: 'UTC' });
      expect(md.contentType).toBe('application/zip');
      expect(md.bytes.subarray(0, 2).toString()).toBe('PK');
      expect(md.pages).toBeGreaterThan(120);
    } finally {
      await worker.close();
    }
  });

  it("answers a renderer's refusal as the AppError it was", async () => {
    const worker = startGenerationWorker({ maxHeapMb: 256 });
    try {
      const model = await worker.extract({ project, snapshot, files: many(1) });
      const broken = { ...DEFAULT_TEMPLATE, overview: '{{no.such.value}}' };
      await expect(worker.render(model, broken, 'md', { values: {}, generatedAt: new Date(), timeZone: 'UTC' })).rejects.toMatchObject({ name: 'AppError', code: 'VALIDATION_FAILED' });
    } finally {
      await worker.close();
    }
  });

  it('stops when its job is aborted', async () => {
    const abort = new AbortController();
    const worker = startGenerationWorker({ maxHeapMb: 256, signal: abort.signal });
    const extracting = worker.extract({ project, snapshot, files: many(100_000) });
    setTimeout(() => abort.abort(), 200);
    await expect(extracting).rejects.toThrow(/stopped/);
    await worker.close();
  });
});
