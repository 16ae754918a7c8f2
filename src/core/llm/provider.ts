// The provider's client, and what the SDK needs from our TypeBox schemas. Loaded only when a
// call is first made (runtime.ts), so a server without a model never loads the SDK.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createAzure } from '@ai-sdk/azure';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { type FlexibleSchema, jsonSchema, type LanguageModel, type Tool, type ToolSet } from 'ai';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { addInputRules } from '../http/input-rules.ts';
import { createNodeRequest } from '../net/guarded-fetch.ts';
import { chatCompletionsModel } from './chat-completions.ts';
import type { TSchema } from 'typebox';
import type { LlmProviderConfig } from './provider-list.ts';
import type { LlmToolSpec } from './types.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** node:http for a provider of the settings (no guard: the operator chose the address). */
const plainRequest = createNodeRequest();

/**
 * The chat model `model` of `provider`. Every address and key is passed explicitly: the SDK would
 * otherwise fall back to its own environment variables (OPENAI_API_KEY, ANTHROPIC_BASE_URL…),
 * and the settings (or the caller, for an organization's provider) are the one place the
 * configuration comes from. OpenAI and Azure are called through chat completions (`.chat`), the
 * API every OpenAI-compatible server and the test server speak too. Azure calls the deployment
 * (default: the model's name).
 */
export function createModel(provider: LlmProviderConfig, model: string, deployment?: string): LanguageModel {
  const apiKey = provider.apiKey ?? '';
  const fetch = provider.fetch ?? bodyLettingGo;
  switch (provider.kind) {
    case 'openai':
      return createOpenAI({ apiKey, baseURL: provider.baseUrl ?? 'https://api.openai.com/v1', fetch }).chat(model);
    case 'azure': {
      const azure = provider.azure ?? { resource: undefined, apiVersion: undefined };
      // A dated API version is served only on the deployment URLs; the v1 API takes the deployment as the body's model.
      const dated = azure.apiVersion !== undefined && azure.apiVersion !== 'v1';
      return createAzure({ apiKey, resourceName: azure.resource, baseURL: provider.baseUrl, apiVersion: azure.apiVersion, useDeploymentBasedUrls: dated, fetch }).chat(deployment ?? model);
    }
    case 'anthropic':
      return createAnthropic({ apiKey, baseURL: provider.baseUrl ?? 'https://api.anthropic.com/v1', fetch }).languageModel(model);
    case 'openai-compatible': {
      // Structured outputs as `json_schema`: what Ollama, vLLM and LM Studio all accept (LM Studio refuses `json_object`).
      const sdkModel = createOpenAICompatible({ name: 'openai-compatible', baseURL: provider.baseUrl!, apiKey: provider.apiKey, includeUsage: true, supportsStructuredOutputs: true, fetch }).chatModel(model);
      // Its streamed answers read in one pass over node:http (chat-completions.ts, decision 0061),
      // unless the caller gave a fetch of its own without the request that goes with it.
      const request = provider.request ?? (provider.fetch ? undefined : plainRequest);
      return request ? chatCompletionsModel(sdkModel, { name: 'openai-compatible', baseUrl: provider.baseUrl!, apiKey: provider.apiKey, request }) : sdkModel;
    }
  }
}

/**
 * The global fetch, with a request body it lets go once sent. undici keeps a string body (its
 * Request's `source`) until the response has been read to its end: for a streamed answer, the
 * whole prompt with the tools' schemas (~20 KB here) for as long as the answer is written, which
 * was the largest part of an open stream's memory (BENCHMARKS.md, chat). Sent as a stream of one
 * chunk with its length, the same bytes go out (no chunked encoding); and with redirects refused
 * (fetch otherwise tees the body, to send it again to a redirect's target, and the other branch
 * keeps the chunk) nothing keeps them. A model provider's API does not redirect a call: one that
 * does fails as unreachable, as it does for an organization's provider (core/net/guarded-fetch.ts
 * follows no redirect).
 */
export const bodyLettingGo: typeof globalThis.fetch = (input, init) => {
  if (typeof init?.body !== 'string') return globalThis.fetch(input, init);
  let chunk: Uint8Array | undefined = new TextEncoder().encode(init.body);
  const headers = new Headers(init.headers);
  headers.set('content-length', String(chunk.byteLength));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunk!);
      chunk = undefined;
      controller.close();
    },
  });
  return globalThis.fetch(input, { ...init, headers, body, duplex: 'half', redirect: 'error' } as RequestInit);
};

// Validates what the model wrote (tool inputs, objects): its output is untrusted input like any other.
// The API's own formats and text rules (input-rules.ts): a tool's schema is written like a request body's.
const ajv = addInputRules(addFormats(new Ajv({ allErrors: true, strict: false, removeAdditional: 'all' })));
const validators = new WeakMap<TSchema, ValidateFunction>();

function validatorOf(schema: TSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(plain(schema));
    validators.set(schema, validate);
  }
  return validate;
}

/** A TypeBox schema as plain JSON Schema (TypeBox's own markers are not enumerable). */
const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));

/**
 * The schema as the SDK takes it, checked with Ajv. Objects that say nothing of extra properties
 * are sent closed (`additionalProperties: false`), as OpenAI's strict mode requires; `strict`
 * says whether the schema qualifies for it (every property required).
 */
export function sdkSchema<T>(schema: TSchema): { schema: FlexibleSchema<T>; strict: boolean } {
  // One per schema, shared by every call that offers it: a tool's schema is built once, and each
  // streamed answer offering seven tools kept its own copies for as long as it was written.
  let made = sdkSchemas.get(schema);
  if (!made) {
    made = makeSdkSchema(schema);
    sdkSchemas.set(schema, made);
  }
  return made as { schema: FlexibleSchema<T>; strict: boolean };
}

const sdkSchemas = new WeakMap<TSchema, { schema: FlexibleSchema<unknown>; strict: boolean }>();

function makeSdkSchema<T>(schema: TSchema): { schema: FlexibleSchema<T>; strict: boolean } {
  const wire = plain(schema);
  const strict = closeObjects(wire);
  const validate = validatorOf(schema);
  return {
    schema: jsonSchema<T>(wire, {
      validate: (value) => {
        if (validate(value)) return { success: true, value: value as T };
        const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
        return { success: false, error: new Error(`does not match the schema: ${detail}`) };
      },
    }),
    strict,
  };
}

/** Sets `additionalProperties: false` where unset; true when every object requires all its properties. */
function closeObjects(node: unknown): boolean {
  if (Array.isArray(node)) return node.map(closeObjects).every(Boolean);
  if (!node || typeof node !== 'object') return true;
  const s = node as Record<string, unknown>;
  let strict = true;
  if (s.type === 'object' && s.properties && typeof s.properties === 'object') {
    s.additionalProperties ??= false;
    const required = new Set((s.required as string[] | undefined) ?? []);
    strict = Object.keys(s.properties).every((key) => required.has(key));
  }
  for (const value of Object.values(s)) if (!closeObjects(value)) strict = false;
  return strict;
}

/** Our tools as the SDK's. A tool without `execute` stops the loop: its call is the caller's to run. */
export function sdkTools(tools: Record<string, LlmToolSpec<any>> | undefined): ToolSet | undefined {
  if (!tools) return undefined;
  const set: ToolSet = {};
  for (const [name, spec] of Object.entries(tools)) {
    const execute = spec.execute;
    const tool: Tool = {
      description: spec.description,
      inputSchema: sdkSchema(spec.inputSchema).schema,
      ...(execute ? { execute: (input: unknown, opts: { toolCallId: string; abortSignal?: AbortSignal }) => execute(input, { toolCallId: opts.toolCallId, signal: opts.abortSignal ?? new AbortController().signal }) } : {}),
    };
    set[name] = tool;
  }
  return set;
}
