// The assistants module's problems (decision 0028): thrown with `.error()`, listed on routes. A
// model the caller's role may not use, or tools offered to a model without tool support, are
// core's LLM.MODEL_NOT_ALLOWED and LLM.TOOLS_UNSUPPORTED: the same refusals a call would meet.
import { defineProblem } from '../../core/errors.ts';

export const AssistantsProblems = {
  notFound: defineProblem('not_found', 'ASSISTANTS.NOT_FOUND', 'No such assistant in this organization, or it is private to another member.'),
  notYours: defineProblem('forbidden', 'ASSISTANTS.NOT_YOURS', 'Only its creator, or an org admin for one shared with the organization, may change or delete it.'),
  modelNotFound: defineProblem(
    'validation',
    'ASSISTANTS.MODEL_NOT_FOUND',
    "`modelId` names no model of this organization's catalog (GET /orgs/{orgId}/llm/models): `errors` names `body.modelId`.",
  ),
  unknownTool: defineProblem('validation', 'ASSISTANTS.UNKNOWN_TOOL', '`tools` names a tool this server does not have (docs/llm-tools.md): `errors` names each, `body.tools.<i>`.'),
  knowledgeNotFound: defineProblem(
    'validation',
    'ASSISTANTS.KNOWLEDGE_NOT_FOUND',
    '`knowledge` names a project you cannot see, or a project or stored file that is not this organization\'s: `errors` names each, `body.knowledge.projectIds.<i>` or `body.knowledge.fileIds.<i>`.',
  ),
  templateNotFound: defineProblem('not_found', 'ASSISTANTS.TEMPLATE_NOT_FOUND', 'No such prompt template in this organization, or it is private to another member.'),
  templateBuiltIn: defineProblem(
    'forbidden',
    'ASSISTANTS.TEMPLATE_BUILT_IN',
    'A built-in template (`builtin: true`, an id like `codebase.explain`) ships with the server: it cannot be changed or deleted. Create a template of your own from its body instead.',
  ),
  templateVersionNotFound: defineProblem('not_found', 'ASSISTANTS.TEMPLATE_VERSION_NOT_FOUND', 'The prompt template has no such version.'),
  templateNotYours: defineProblem('forbidden', 'ASSISTANTS.TEMPLATE_NOT_YOURS', 'Only its creator, or an org admin for one shared with the organization, may change or delete a prompt template.'),
  variablesMismatch: defineProblem(
    'validation',
    'ASSISTANTS.TEMPLATE_VARIABLES_MISMATCH',
    "The body's `{{placeholders}}` and the declared `variables` differ (a placeholder nobody declares, a variable the body does not use, or one declared twice): `errors` names each.",
  ),
  valuesInvalid: defineProblem(
    'validation',
    'ASSISTANTS.TEMPLATE_VALUES_INVALID',
    'A required variable (one without a default) has no value, or a value names no variable of the version rendered: `errors` names each, `body.values.<name>`.',
  ),
};
