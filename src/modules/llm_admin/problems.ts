// The llm_admin module's problems (decision 0028): thrown with `.error()`, listed on routes. The
// refusals of a call itself (a model not found or not allowed, a budget exceeded) are core's
// LLM.* problems (core/llm/problems.ts), since every route that calls a model answers them.
import { defineProblem } from '../../core/errors.ts';

export const LlmAdminProblems = {
  providerNotFound: defineProblem('not_found', 'LLM_ADMIN.PROVIDER_NOT_FOUND', 'No such language model provider in this organization.'),
  providerNameTaken: defineProblem('conflict', 'LLM_ADMIN.PROVIDER_NAME_TAKEN', 'Another provider of this organization, or of the instance, has this name.'),
  providerInvalid: defineProblem(
    'validation',
    'LLM_ADMIN.PROVIDER_INVALID',
    'The provider\'s fields do not fit its kind: `openai-compatible` needs `baseUrl`; `openai`, `azure` and `anthropic` need `apiKey`; `azure` needs `azureResource` or `baseUrl`; the `azure*` fields are Azure\'s only. `errors` names the field.',
  ),
  urlNotAllowed: defineProblem(
    'validation',
    'LLM_ADMIN.URL_NOT_ALLOWED',
    'The base URL may not be reached from this server: not http(s), with credentials, or a host that is reserved, does not resolve, or resolves to a private or loopback address the operator has not allowed (LLM_ORG_ALLOWED_HOSTS). `errors` names `body.baseUrl`.',
  ),
  modelTaken: defineProblem('conflict', 'LLM_ADMIN.MODEL_TAKEN', 'This provider already has this model in the catalog.'),
  modelInvalid: defineProblem(
    'validation',
    'LLM_ADMIN.MODEL_INVALID',
    'The change does not fit the model: an instance model takes only `enabled` and `minimumRole` from an organization (its other values are the instance administrators\'), and a fallback must be another model of the catalog. `errors` names the field.',
  ),
  instanceModel: defineProblem('conflict', 'LLM_ADMIN.INSTANCE_MODEL', 'An instance model is not an organization\'s to delete: disable it for the organization instead (`enabled: false`).'),
};
