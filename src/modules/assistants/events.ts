// Events the assistants module publishes (decision 0036): each with its payload schema, version,
// public flag (delivered to webhook receivers) and what the audit log files it under. Payloads
// carry ids and what changed, never a name, a system prompt or a template's text: a private
// assistant's words are its creator's, and webhooks and the audit log are the org's.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const assistant = { type: 'assistant', field: 'assistantId' } as const;
const Visibility = Type.Union([Type.Literal('private'), Type.Literal('org')]);

export const assistantsEvents = defineEvents({
  'assistants.created': {
    description: 'An assistant was created.',
    schema: Payload({ orgId: Id(), assistantId: Id(), visibility: Visibility }),
    version: 1,
    public: true,
    target: assistant,
  },
  'assistants.updated': {
    description: 'An assistant was changed: `fields` names what changed (`instructions`, `modelId`, `tools`, `knowledge`, `visibility`…).',
    schema: Payload({ orgId: Id(), assistantId: Id(), visibility: Visibility, fields: Type.Array(Type.String()) }),
    version: 1,
    public: true,
    target: assistant,
  },
  'assistants.deleted': { description: 'An assistant was deleted.', schema: Payload({ orgId: Id(), assistantId: Id() }), version: 1, public: true, target: assistant },
  'assistants.template_changed': {
    description: 'A prompt template was created, changed (`version` is its current version: a new one when its content changed) or deleted.',
    schema: Payload({
      orgId: Id(),
      templateId: Id(),
      change: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
      version: Type.Integer(),
      visibility: Visibility,
    }),
    version: 1,
    public: true,
    target: { type: 'prompt_template', field: 'templateId' },
  },
});

export type AssistantsEvents = PayloadsOf<typeof assistantsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends AssistantsEvents {}
}
