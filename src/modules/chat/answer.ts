// The tool loop: one answer of the model, through as many model calls as its tool calls need,
// bounded by `maxSteps`. Chat and agent/act both answer through runAnswer; what they do with
// the chunks (stream them, wait for the end) is theirs.
//
// Tool calls come back to this loop rather than running inside the SDK (the specs carry no
// `execute`): each runs here as the caller, through OfferedTool.run (rights checked again, input
// validated), with the answer's signal, so a stop reaches a tool as it reaches the model; its
// raw output or refusal is recorded in the answer; and each model call is its own call through
// LlmAdminApi, whose budget check counts the tool results that call carries and reserves one
// call's worst case, not `maxSteps` of them at once.
import type { Actor } from '../../core/context/actor.ts';
import type { LlmTool, Registry, ToolScope } from '../../core/contributions.ts';
import { AppError } from '../../core/errors.ts';
import { type LlmFinishReason, type LlmMessage, LlmProblems, type LlmToolCall } from '../../core/llm/index.ts';
import { LlmToolProblems, llmToolSpecs, type OfferedTool, offeredTool, TOOL_OUTPUT_RULE, toolErrorForPrompt, toolResultForPrompt, toolsFor } from '../../core/llm/tools.ts';
import type { LlmAdminApi } from '../llm_admin/index.ts';
import type { Chunk } from './transcript.ts';
import { wholeCharacters } from './whole-characters.ts';

export interface AnswerDeps {
  models: LlmAdminApi;
  /** core.registries.llmTools: read when answering, never at setup. */
  tools: Registry<LlmTool<any, any>>;
}

export interface AnswerRequest {
  actor: Actor;
  orgId: string;
  conversationId: string;
  messageId: string;
  /** A model of the organization's catalog; null: its default. */
  modelId: string | null;
  /** The conversation's own instructions (an assistant's first), before the rule on tool results. */
  system: string | null;
  /** An assistant's tools (registry names): only these are offered, if the caller may use them. Absent: every tool the caller may use. */
  enabledTools?: readonly string[];
  /** What the conversation is about (its project), handed to every tool run as `ctx.scope`; never the model's to set. */
  scope?: ToolScope;
  /** An assistant's temperature; absent or null: the model's default. */
  temperature?: number | null;
  /** The conversation up to the question, as the model reads it. */
  history: LlmMessage[];
  maxSteps: number;
  /** The usage ledger's name for the use: `chat`, `chat.agent`. */
  feature: string;
  signal: AbortSignal;
}

export interface AnswerHooks {
  /**
   * Called once, when the first model call has passed the catalog's rules and the budgets and
   * before anything of it is read: the caller stores the answer then. Throwing ends the answer.
   */
  accepted(): Promise<void>;
  /** Each chunk of the answer, in order. */
  emit(chunk: Chunk): void;
  /** `provider/model` that answered a call (a fallback's, when the model was down). */
  answeredBy(model: string): void;
}

export interface AnswerEnd {
  finishReason: LlmFinishReason;
}

/**
 * Runs the answer to its end. Throws the first model call's refusal before `accepted` (nothing
 * was sent); afterwards, whatever ended it early: the signal's reason, a model call's problem
 * (LLM.*), or a bug. A tool's refusal or failure (an AppError) does not end it: the model is told.
 */
export async function runAnswer(deps: AnswerDeps, req: AnswerRequest, hooks: AnswerHooks): Promise<AnswerEnd> {
  const { actor, orgId, signal } = req;
  let offered = await toolsFor(deps.tools, { principal: req.actor.principal, orgId: req.orgId }, req.enabledTools, req.scope);
  const messages = [...req.history];
  let finishReason: LlmFinishReason = 'other';

  for (let step = 0; step < req.maxSteps; step++) {
    // A stop between two calls ends the answer here, before another call is reserved.
    signal.throwIfAborted();
    // The last call may not ask for tools: the answer ends in words, not in a call left unanswered.
    const last = step === req.maxSteps - 1;
    const ask = () => {
      const tools = offered.length ? withoutExecute(offered) : undefined;
      return deps.models.streamText(actor, orgId, {
        feature: req.feature,
        system: [req.system, offered.length ? TOOL_OUTPUT_RULE : null].filter(Boolean).join('\n\n') || undefined,
        messages,
        tools,
        ...(tools && last ? { toolChoice: 'none' as const } : {}),
        maxSteps: 1,
        signal,
        conversationId: req.conversationId,
        messageId: req.messageId,
        ...(req.modelId ? { modelId: req.modelId } : {}),
        ...(req.temperature != null ? { temperature: req.temperature } : {}),
      });
    };
    let stream: Awaited<ReturnType<typeof ask>>;
    try {
      stream = await ask();
    } catch (err) {
      // A model without tool support is asked without tools (the call refused them before
      // anything was sent or reserved); its catalog is read once per call, not once more to ask.
      if (step > 0 || !offered.length || !(err instanceof AppError) || err.code !== LlmProblems.toolsUnsupported.code) throw err;
      offered = [];
      stream = await ask();
    }
    if (step === 0) await hooks.accepted();

    let text = '';
    const calls: LlmToolCall[] = [];
    const whole = wholeCharacters();
    const emitText = (piece: string) => {
      if (!piece) return;
      text += piece;
      hooks.emit({ kind: 'text', data: { text: piece } });
    };
    // Each part as it comes, without a promise per part: a stream's deltas pass straight to the chunks.
    await stream.each((part) => {
      if (part.type === 'text') return emitText(whole.next(part.text));
      emitText(whole.end());
      if (part.type === 'tool-call') {
        calls.push(part);
        hooks.emit({ kind: 'tool-call', data: { toolCallId: part.toolCallId, tool: nameOf(offered, part.toolName), step, input: part.input } });
      } else if (part.type === 'usage') {
        hooks.emit({ kind: 'usage', data: part.usage });
      } else if (part.type === 'finish') {
        finishReason = part.finishReason;
        hooks.answeredBy(`${part.answered.provider}/${part.answered.model}`);
      }
    });
    emitText(whole.end());
    if (!calls.length) break;

    messages.push({
      role: 'assistant',
      content: [...(text ? [{ type: 'text' as const, text }] : []), ...calls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.toolCallId, toolName: c.toolName, input: c.input }))],
    });
    const results = [];
    for (const call of calls) {
      const value = await runCall(offered, call, signal, hooks);
      results.push({ type: 'tool-result' as const, toolCallId: call.toolCallId, toolName: call.toolName, output: { type: 'text' as const, value } });
    }
    messages.push({ role: 'tool', content: results });
  }
  return { finishReason };
}

/** The specs the model is shown, without `execute`: calls come back to the loop (see the top of this file). */
function withoutExecute(offered: readonly OfferedTool[]) {
  return Object.fromEntries(Object.entries(llmToolSpecs(offered)).map(([name, { execute: _run, ...spec }]) => [name, spec]));
}

const nameOf = (offered: readonly OfferedTool[], modelName: string) => offeredTool(offered, modelName)?.name ?? modelName;

/**
 * Runs one call as the caller and answers what the model reads: the output, or the refusal
 * (a tool not offered, input its schema refuses, a right the caller lacks, a source down),
 * wrapped as untrusted data. A stop, or anything that is not an AppError (a bug), ends the answer.
 */
async function runCall(offered: readonly OfferedTool[], call: LlmToolCall, signal: AbortSignal, hooks: AnswerHooks): Promise<string> {
  const tool = offeredTool(offered, call.toolName);
  const name = tool?.name ?? call.toolName;
  try {
    if (!tool) throw LlmToolProblems.notAllowed.error(`No tool named ${call.toolName} is offered here`);
    const output = await tool.run(call.input, signal);
    hooks.emit({ kind: 'tool-result', data: { toolCallId: call.toolCallId, tool: name, output } });
    return toolResultForPrompt(name, output);
  } catch (err) {
    if (signal.aborted || !(err instanceof AppError)) throw err;
    const error = { code: err.code, message: err.message };
    hooks.emit({ kind: 'tool-result', data: { toolCallId: call.toolCallId, tool: name, error } });
    // A use case names the fields of the API's request (`body.dataSourceId`): to the model they are its input's.
    const errors = err.errors?.map((e) => ({ field: e.field.replace(/^body\./, 'input.'), message: e.message }));
    return toolErrorForPrompt(name, { ...error, errors });
  }
}
