// Prompt templates the modules ship (the `promptTemplates` contribution point, decision 0048):
// texts with `{{variable}}` placeholders that fit what a module offers the model, such as the
// codebase module's "explain this file" for a conversation bound to a project. A module declares
// them in its definition, as it declares its scopes: plain data, known before any setup. The app
// gathers them into one registry (`core.promptTemplates`); the assistants module lists and renders
// them beside each organization's own templates, read-only, and checks at start-up that each
// body's placeholders are exactly its variables (it owns the placeholder language).

export interface PromptTemplateVariable {
  /** Written `{{name}}` in the body: a letter or `_`, then letters, digits and `_`. */
  name: string;
  description?: string;
  /** Used when a render gives no value; without it the variable is required. */
  default?: string;
}

/** A prompt template a module ships. */
export interface BuiltinPromptTemplate {
  /** `<module>.<template>` in snake case, the module being its declarer: its stable id in the API (`codebase.explain`). */
  id: string;
  /** What people see it as. */
  name: string;
  description: string;
  /** The text, with `{{variable}}` placeholders: exactly the declared variables. */
  body: string;
  variables: readonly PromptTemplateVariable[];
  /** From 1; raise it with every change of its name, description, body or variables: a render answers the version it used. */
  version: number;
}

export interface DeclaredPromptTemplate extends BuiltinPromptTemplate {
  /** The module that declared it. */
  module: string;
}

export interface PromptTemplateRegistry {
  get(id: string): DeclaredPromptTemplate | undefined;
  /** Every declared template, sorted by id. */
  list(): readonly DeclaredPromptTemplate[];
}

/** A built-in template's id: `<module>.<template>`, both in snake case. */
export const BUILTIN_TEMPLATE_ID = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)\.([a-z][a-z0-9]*(?:_[a-z0-9]+)*)$/;

/** Throws on an id that is malformed, not named after its module, or declared twice, and on a bad version: programming errors. */
export function createPromptTemplateRegistry(owners: readonly { owner: string; templates: readonly BuiltinPromptTemplate[] }[]): PromptTemplateRegistry {
  const byId = new Map<string, DeclaredPromptTemplate>();
  for (const { owner, templates } of owners) {
    for (const template of templates) {
      const parts = BUILTIN_TEMPLATE_ID.exec(template.id);
      if (!parts) throw new Error(`${owner} declares the prompt template "${template.id}": an id is <module>.<template>, both in snake case`);
      if (parts[1] !== owner) throw new Error(`the prompt template "${template.id}" is declared by "${owner}": name it "${owner}.${parts[2]}"`);
      if (!Number.isInteger(template.version) || template.version < 1) throw new Error(`the prompt template "${template.id}" has version ${template.version}: a version is an integer from 1`);
      const other = byId.get(template.id);
      if (other) throw new Error(`the prompt template "${template.id}" is declared twice (by ${other.module} and by ${owner})`);
      byId.set(template.id, Object.freeze({ ...template, variables: Object.freeze(template.variables.map((v) => ({ ...v }))), module: owner }));
    }
  }
  const sorted = Object.freeze([...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  return { get: (id) => byId.get(id), list: () => sorted };
}
