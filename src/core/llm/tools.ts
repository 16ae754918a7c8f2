// The tools a model may be offered in a conversation, and how one is run: the only way a
// consumer (chat, assistants) reaches a contributed LlmTool. A tool is offered only when its
// `allowed` says the caller could do the same through the API; a call checks `allowed` again
// (a role may have changed since the tools were listed), validates the input as the API
// validates a request body, and runs the tool with the caller's principal and nothing else, so
// what the model writes can narrow what the tool does, never widen whose rights it uses.
import type { ValidateFunction } from 'ajv';
import type { TSchema } from 'typebox';
import type { Actor } from '../context/actor.ts';
import { currentCaller } from '../context/request-context.ts';
import { type ActingAs, type LlmTool, modelToolName, type Registry, type ToolContext, type ToolScope } from '../contributions.ts';
import { AppError, CoreProblems, defineProblem, type FieldError } from '../errors.ts';
import type { Principal } from '../http/principal.ts';
import { compileBodyValidator } from '../http/validation.ts';
import { toolErrorForPrompt, toolResultForPrompt } from './tool-result.ts';
import type { LlmToolSpec } from './types.ts';

export { modelToolName } from '../contributions.ts';
export { DOCUMENT_RULE, DOCUMENT_TAG, documentForPrompt, inertJson, TOOL_OUTPUT_RULE, TOOL_OUTPUT_TAG, toolErrorForPrompt, toolResultForPrompt } from './tool-result.ts';

export const LlmToolProblems = {
  notAllowed: defineProblem(
    'forbidden',
    'LLM.TOOL_NOT_ALLOWED',
    'The tool does not exist, is not enabled here, or the caller may not use it now (the same rights as the API): it was not run.',
  ),
  invalidInput: defineProblem('validation', 'LLM.TOOL_INPUT_INVALID', 'The tool was called with input its schema does not allow: `errors` lists each field. It was not run.'),
  outOfScope: defineProblem(
    'forbidden',
    'LLM.TOOL_OUT_OF_SCOPE',
    'The conversation is bound to a project and the call named another: it was not run. Leave the field out to use the bound project (decision 0048).',
  ),
} as const;

/** A tool as offered to one caller: bound to them, so running it can only ever use their rights. */
export interface OfferedTool {
  /** `<module>.<tool>`: what assistants enable, usage and logs name. */
  readonly name: string;
  /** The name the model sees and calls it by (`<module>__<tool>`). */
  readonly modelName: string;
  readonly description: string;
  /** Its input schema as the model sees it (`modelInputSchema`). */
  readonly input: TSchema;
  /** Runs it as the caller it was offered to: `allowed` checked again now, the input validated. Throws AppError refusals. */
  run(input: unknown, signal: AbortSignal): Promise<unknown>;
}

/**
 * The tools `as` may use now, sorted by name: among `enabled` (tool names, an assistant's
 * choice) when given, and only those whose `allowed` is true for this caller. A tool the caller
 * could not use through the API is not in the list, so the model never learns of it. `scope`
 * (what the conversation is about, the user's choice) reaches each run as `ctx.scope`.
 */
export async function toolsFor(registry: Registry<LlmTool<any, any>>, as: ActingAs, enabled?: readonly string[], scope?: ToolScope): Promise<OfferedTool[]> {
  const wanted = enabled ? new Set(enabled) : null;
  const candidates = registry.all().filter((tool) => !wanted || wanted.has(tool.name));
  const allowed = await Promise.all(candidates.map((tool) => tool.allowed(as)));
  return candidates
    .filter((_, i) => allowed[i])
    .map((tool) => ({
      name: tool.name,
      modelName: modelToolName(tool.name),
      description: tool.description,
      input: modelInputSchema(tool.input),
      run: (input: unknown, signal: AbortSignal) => runTool(tool, input, { ...as, signal, ...(scope ? { scope } : {}) }),
    }));
}

/**
 * A tool's input schema as the model sees it: plain JSON Schema in which a property with a
 * `default` is not required, so the model may leave it out (runTool fills it in). Tools declare
 * their input as the API declares a request body, defaulted fields required with their default
 * (docs/modules.md); the provider checks a call against what it was shown, without defaults.
 */
export function modelInputSchema(schema: TSchema): TSchema {
  // One per tool: the provider compiles a validator per schema object (and Ajv keeps each), so a
  // new copy per call would compile again on every model call and never let go of the old ones.
  let cached = modelSchemas.get(schema);
  if (!cached) {
    cached = optionalDefaultsCopy(schema);
    modelSchemas.set(schema, cached);
  }
  return cached;
}

const modelSchemas = new WeakMap<TSchema, TSchema>();

function optionalDefaultsCopy(schema: TSchema): TSchema {
  const optionalDefaults = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) optionalDefaults(item);
      return;
    }
    const s = node as { properties?: Record<string, { default?: unknown }>; required?: string[] };
    if (s.properties && Array.isArray(s.required)) {
      s.required = s.required.filter((key) => s.properties![key]?.default === undefined);
      if (!s.required.length) delete s.required;
    }
    for (const value of Object.values(s)) optionalDefaults(value);
  };
  const plain = JSON.parse(JSON.stringify(schema));
  optionalDefaults(plain);
  return plain as TSchema;
}

/** The offered tool the model called, by the name it sees; undefined when it names none offered. */
export function offeredTool(offered: readonly OfferedTool[], modelName: string): OfferedTool | undefined {
  return offered.find((t) => t.modelName === modelName);
}

const validators = new WeakMap<TSchema, ValidateFunction>();

/**
 * Runs `tool` for `ctx`: refuses (LLM.TOOL_NOT_ALLOWED) unless `allowed` is true now, refuses
 * input its schema does not allow (LLM.TOOL_INPUT_INVALID, with the fields), then runs it with
 * the validated input (defaults applied, unknown properties dropped) and the caller's principal.
 */
export async function runTool(tool: LlmTool<any, any>, input: unknown, ctx: ToolContext): Promise<unknown> {
  if (!(await tool.allowed(ctx))) throw LlmToolProblems.notAllowed.error(`The tool ${tool.name} is not available to you here`);
  let validate = validators.get(tool.input);
  if (!validate) {
    validate = compileBodyValidator(tool.input);
    validators.set(tool.input, validate);
  }
  // The validator applies defaults and drops unknown properties in place: never on the caller's object.
  const value = structuredClone(input ?? {});
  if (!validate(value)) {
    throw LlmToolProblems.invalidInput.error(`The input of ${tool.name} is not valid`, { errors: fieldErrors(validate.errors ?? []) });
  }
  ctx.signal.throwIfAborted();
  return tool.run(value, ctx);
}

function fieldErrors(errors: NonNullable<ValidateFunction['errors']>): FieldError[] {
  return errors.map((e) => {
    const path = e.instancePath.split('/').filter(Boolean);
    const named = e.params?.missingProperty ?? e.params?.additionalProperty;
    if (typeof named === 'string') path.push(named);
    return { field: ['input', ...path].join('.'), message: e.message ?? 'is not valid' };
  });
}

/**
 * The offered tools as `core.llm` takes them (`tools` of a request), under the names the model
 * sees. Each `execute` runs the tool as its caller and answers the model with the result wrapped
 * as untrusted data (toolResultForPrompt); a refusal or failure of the tool (an AppError: not
 * allowed, invalid input, a guard's refusal, a source down) is answered the same way, as
 * `{ error: { code, message } }`, so the model can tell the user or try otherwise. Anything else
 * is a bug and is thrown.
 */
export function llmToolSpecs(offered: readonly OfferedTool[]): Record<string, LlmToolSpec> {
  return Object.fromEntries(
    offered.map((tool) => [
      tool.modelName,
      {
        description: tool.description,
        inputSchema: tool.input,
        async execute(input: unknown, { signal }: { signal: AbortSignal }) {
          try {
            return toolResultForPrompt(tool.name, await tool.run(input, signal));
          } catch (err) {
            // A use case names the fields of the API's request (`body.dataSourceId`): to the model they are its input's.
            const errors = err instanceof AppError ? err.errors?.map((e) => ({ field: e.field.replace(/^body\./, 'input.'), message: e.message })) : undefined;
            if (err instanceof AppError) return toolErrorForPrompt(tool.name, { code: err.code, message: err.message, errors });
            throw err;
          }
        },
      } satisfies LlmToolSpec,
    ]),
  );
}

/**
 * The actor a tool acts as, for the use cases it calls: the caller's principal, with the
 * request's id, address and user agent when it runs inside that same user's request (chat
 * answering one), so the events it publishes are stamped like the API's; nulls otherwise.
 */
export function toolActor(as: ActingAs): Actor {
  const caller = currentCaller();
  if (caller?.principal?.userId === as.principal.userId) {
    return { principal: as.principal, requestId: caller.requestId, ip: caller.ip, userAgent: caller.userAgent };
  }
  return { principal: as.principal, requestId: null, ip: null, userAgent: null };
}

/**
 * The project a tool call works on: the conversation's when it is bound to one (the input may
 * leave `projectId` out, or name that same project), else the input's. A bound conversation
 * refuses another project (LLM.TOOL_OUT_OF_SCOPE) even one the caller may read: the user chose
 * what the conversation is about, and text the model read (a README, a comment) must not take
 * it elsewhere. Unbound, a call without `projectId` is LLM.TOOL_INPUT_INVALID naming the field.
 * Rights are not decided here: the tool's use case checks the project as the API does.
 */
export function scopedProjectId(requested: string | undefined, ctx: Pick<ToolContext, 'scope'>): string {
  const bound = ctx.scope?.projectId;
  if (bound) {
    if (requested !== undefined && requested.toLowerCase() !== bound.toLowerCase()) {
      throw LlmToolProblems.outOfScope.error(`This conversation is about the project ${bound}, not ${requested}: leave out projectId`, {
        errors: [{ field: 'input.projectId', message: 'names another project than the one this conversation is about' }],
      });
    }
    return bound;
  }
  if (requested === undefined) {
    throw LlmToolProblems.invalidInput.error('projectId is required: this conversation is not about one project', { errors: [{ field: 'input.projectId', message: 'is required here' }] });
  }
  return requested;
}

/**
 * Whether the principal's credentials allow an API scope: a session always does (its role
 * decides), an API key only with the scope, as on the routes (request-hooks.ts). A tool that
 * does what a route does checks the route's scope, so a key cannot reach through chat what it
 * cannot reach through the API.
 */
export function credentialsAllow(principal: Principal, scope: string): boolean {
  return principal.scopes === null || principal.scopes.includes(scope);
}

/** Throws the API's own FORBIDDEN when an API key lacks the scope (credentialsAllow). */
export function assertCredentialsAllow(principal: Principal, scope: string): void {
  if (!credentialsAllow(principal, scope)) throw CoreProblems.forbidden.error(`The API key lacks the scope ${scope}`);
}
