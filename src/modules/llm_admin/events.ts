// Events the llm_admin module publishes (decision 0036): changes to an organization's providers,
// to the model catalog and to budgets, so the audit log shows who changed what. No key is ever
// in a payload: only whether it changed.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, OneOf, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const CHANGE = ['created', 'updated', 'deleted'] as const;

export const llmAdminEvents = defineEvents({
  'llm_admin.provider_changed': {
    description: "An organization's language model provider was added, changed or deleted (`fields` names what changed; `keyChanged` whether its key was set, replaced or removed: never the key).",
    schema: Payload({
      orgId: Id(),
      providerId: Id(),
      name: Type.String(),
      kind: Type.String(),
      change: OneOf(CHANGE),
      fields: Type.Array(Type.String()),
      keyChanged: Type.Boolean(),
    }),
    version: 1,
    public: true,
    target: { type: 'llm_provider', field: 'providerId' },
  },
  'llm_admin.model_changed': {
    description: "A model of the catalog was added, changed or deleted: an organization's own, an organization's rule for an instance model, or (orgId null) an instance model by the instance's administrators.",
    schema: Payload({
      orgId: Nullable(Id()),
      modelId: Id(),
      provider: Type.String(),
      model: Type.String(),
      change: OneOf(CHANGE),
      fields: Type.Array(Type.String()),
    }),
    version: 1,
    public: true,
    target: { type: 'llm_model', field: 'modelId' },
  },
  'llm_admin.budget_changed': {
    description: "A monthly budget was set or removed (both limits null): the organization's (`org`), every member's (`each_user`) or one member's (`user`).",
    schema: Payload({
      orgId: Id(),
      scope: OneOf(['org', 'each_user', 'user'] as const),
      userId: Nullable(Id()),
      monthlyTokens: Nullable(Type.Integer()),
      monthlyCostMinor: Nullable(Type.Integer()),
    }),
    version: 1,
    public: true,
    target: { type: 'organization', field: 'orgId' },
  },
});

export type LlmAdminEvents = PayloadsOf<typeof llmAdminEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends LlmAdminEvents {}
}
