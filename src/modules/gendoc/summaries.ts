// The optional LLM pass: a short summary of each module (folder), written from its files'
// exported signatures and doc comments (never their bodies), as the member who asked, through
// llm_admin so their role must allow the model and every call counts against their budgets.
// The pages show each summary marked as generated (render/). A refusal (budget spent, role) stops
// the pass and is reported in the run's stats; the reference itself never depends on it.
import type { Actor } from '../../core/context/actor.ts';
import { AppError } from '../../core/errors.ts';
import { DOCUMENT_RULE, documentForPrompt } from '../../core/llm/tool-result.ts';
import type { LlmAdminApi } from '../llm_admin/index.ts';
import type { CodeModel, FileDoc } from './model.ts';

/** Of one module's outline given to the model: enough for its gist, bounded in tokens. */
const OUTLINE_CHARS = 6_000;
const SUMMARY_TOKENS = 200;
const SYSTEM = `You write documentation. Summarize in 2 to 4 plain sentences what the code module below is for and what it offers, from its outline (files, exported declarations, doc comments). Answer with the summary only. ${DOCUMENT_RULE}`;

/** A module's outline: each file and its exported declarations with the first line of their docs. */
export function outlineOf(folder: string, files: FileDoc[]): string {
  const lines: string[] = [`Module: ${folder || '(root)'}`];
  for (const f of files) {
    lines.push(`File ${f.path}${f.summary ? `: ${f.summary.split('\n')[0]}` : ''}`);
    for (const s of f.symbols.filter((x) => x.exported)) lines.push(`  ${s.signature}${s.doc ? `  // ${s.doc.split('\n')[0]}` : ''}`);
    if (lines.join('\n').length > OUTLINE_CHARS) break;
  }
  return lines.join('\n').slice(0, OUTLINE_CHARS);
}

export interface SummaryPass {
  written: number;
  stopped: string | null;
}

/** Fills `generatedSummary` of the largest modules (by files), at most `max`; returns what it did. */
export async function summarizeModules(
  model: CodeModel,
  deps: { models: Pick<LlmAdminApi, 'generateText'>; actor: Actor; orgId: string; modelId: string; max: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => Promise<void> },
): Promise<SummaryPass> {
  const byPath = new Map(model.files.map((f) => [f.path, f]));
  const chosen = [...model.modules].sort((a, b) => b.files.length - a.files.length || a.path.localeCompare(b.path)).slice(0, deps.max);
  let written = 0;
  for (const [i, mod] of chosen.entries()) {
    const files = mod.files.map((p) => byPath.get(p)).filter((f): f is FileDoc => !!f);
    if (!files.some((f) => f.symbols.length || f.summary)) continue;
    try {
      const answer = await deps.models.generateText(deps.actor, deps.orgId, {
        feature: 'gendoc.summary',
        modelId: deps.modelId,
        system: SYSTEM,
        messages: [{ role: 'user', content: documentForPrompt('file', mod.path || '(root)', outlineOf(mod.path, files)) }],
        maxOutputTokens: SUMMARY_TOKENS,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      const text = answer.text.trim();
      if (text) {
        mod.generatedSummary = text;
        written++;
      }
    } catch (err) {
      // Budget spent, model no longer open to them, provider down: the pass ends, the run goes on.
      if (err instanceof AppError) return { written, stopped: `${err.code}: ${err.message}` };
      throw err;
    }
    await deps.onProgress?.(i + 1, chosen.length);
  }
  return { written, stopped: null };
}
