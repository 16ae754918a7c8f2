// Built-in prompt templates (decision 0048): those the server's modules ship, from
// `core.promptTemplates`. Every member of every organization sees them beside the org's own
// templates, marked `builtin: true` under stable ids (`codebase.explain`); they render like the
// others and are never changed or deleted through the API (their text changes with the server,
// and a declared `version` says which one a render used). Placeholders are this module's
// language, so start-up checks here that each body uses exactly its variables.
import { BUILTIN_TEMPLATE_ID, type DeclaredPromptTemplate, type PromptTemplateRegistry } from '../../core/llm/prompt-templates.ts';
import { checkVariables, type TemplateVariable, VARIABLE_NAME } from './placeholders.ts';
import type { Visibility } from './rules.ts';
import type { PromptTemplate, PromptTemplateVersion } from './templates.ts';

/** Whether an id names a built-in template (`<module>.<template>`) rather than an organization's (a UUID). */
export const isBuiltinId = (id: string): boolean => BUILTIN_TEMPLATE_ID.test(id);

/** Throws, naming the template and each problem, when a body's placeholders and its variables differ: the server must not start with one. */
export function assertBuiltinsValid(registry: PromptTemplateRegistry): void {
  for (const t of registry.list()) {
    const problems = checkVariables(t.body, t.variables).map((p) => p.message);
    for (const v of t.variables) if (!VARIABLE_NAME.test(v.name)) problems.push(`"${v.name}" is not a variable name`);
    if (problems.length) throw new Error(`the built-in prompt template "${t.id}" of "${t.module}" is not valid: ${problems.join('; ')}`);
  }
}

const variablesOf = (t: DeclaredPromptTemplate): TemplateVariable[] => t.variables.map((v) => ({ ...v }));

/** As the API shows it in `orgId`: the same text in every organization, no author, no dates. */
export const builtinView = (t: DeclaredPromptTemplate, orgId: string): PromptTemplate => ({
  id: t.id,
  orgId,
  name: t.name,
  description: t.description,
  body: t.body,
  variables: variablesOf(t),
  version: t.version,
  visibility: 'org',
  builtin: true,
  createdBy: null,
  createdAt: null,
  updatedAt: null,
});

/** Its one version: the text this server ships. */
export const builtinVersion = (t: DeclaredPromptTemplate): PromptTemplateVersion => ({
  templateId: t.id,
  version: t.version,
  name: t.name,
  description: t.description,
  body: t.body,
  variables: variablesOf(t),
  createdBy: null,
  createdAt: null,
});

/**
 * The built-ins a list shows, sorted by id: by name (`q`, any case, as the org's are searched)
 * and visibility (every member sees them: `org`), after `afterId` when the list goes on from one.
 */
export function builtinsListed(registry: PromptTemplateRegistry, query: { q?: string; visibility?: Visibility }, afterId?: string): DeclaredPromptTemplate[] {
  if (query.visibility === 'private') return [];
  const words = query.q?.trim().toLowerCase();
  return registry.list().filter((t) => (!words || t.name.toLowerCase().includes(words)) && (!afterId || t.id > afterId));
}
