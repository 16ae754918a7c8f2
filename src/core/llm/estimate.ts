// How many tokens a request's prompt may take, before it is sent: what a budget check reserves.
// No tokenizer (each provider has its own, and loading one costs more than the call it guards):
// a token is at least 3 characters in the languages and code these prompts hold (about 4 for
// English), so characters / 3 over-estimates, which is the safe side for a budget.
import type { LlmObjectRequest, LlmRequest } from './types.ts';

const CHARS_PER_TOKEN = 3;
/** What providers add around each message (role, separators). */
const PER_MESSAGE = 4;
/** An image or file part, whatever its size: providers bill images by tiles, ~85 to ~1,600 tokens. */
const PER_ATTACHMENT = 1600;

/** A tool's schema is the same object call after call (the registry's): its length is measured once. */
const schemaLengths = new WeakMap<object, number>();
function schemaLength(schema: unknown): number {
  if (typeof schema !== 'object' || schema === null) return JSON.stringify(schema ?? null).length;
  let length = schemaLengths.get(schema);
  if (length === undefined) {
    length = JSON.stringify(schema).length;
    schemaLengths.set(schema, length);
  }
  return length;
}

function charsOf(value: unknown): { chars: number; attachments: number } {
  if (typeof value === 'string') return { chars: value.length, attachments: 0 };
  if (Array.isArray(value)) {
    return value.reduce<{ chars: number; attachments: number }>(
      (sum, part) => {
        const p = part as { type?: string };
        if (p?.type === 'image' || p?.type === 'file') return { chars: sum.chars, attachments: sum.attachments + 1 };
        const inner = charsOf(part);
        return { chars: sum.chars + inner.chars, attachments: sum.attachments + inner.attachments };
      },
      { chars: 0, attachments: 0 },
    );
  }
  if (value && typeof value === 'object') return { chars: JSON.stringify(value).length, attachments: 0 };
  return { chars: 0, attachments: 0 };
}

/** An upper estimate of the input tokens of one model call of `req`: system, messages, tools' descriptions and schemas. */
export function estimateInputTokens(req: Pick<LlmRequest, 'system' | 'messages' | 'tools'> | Pick<LlmObjectRequest<any>, 'system' | 'messages' | 'schema'>): number {
  let chars = req.system?.length ?? 0;
  let attachments = 0;
  for (const m of req.messages) {
    const c = charsOf(m.content);
    chars += c.chars;
    attachments += c.attachments;
  }
  if ('tools' in req && req.tools) for (const [name, tool] of Object.entries(req.tools)) chars += name.length + tool.description.length + schemaLength(tool.inputSchema);
  if ('schema' in req && req.schema) chars += JSON.stringify(req.schema).length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + PER_MESSAGE * (req.messages.length + (req.system ? 1 : 0)) + PER_ATTACHMENT * attachments;
}
