// Prompt templates' `{{variable}}` placeholders: finding them, checking them against the declared
// variables, and substituting values. Pure; the rules the service applies and the tests pin.
//
// A placeholder is `{{`, optional spaces, a name (a letter or `_`, then letters, digits, `_`),
// optional spaces, `}}`. Anything else between braces is text and stays as written, so a prompt
// may quote JSON or another template language. Substitution is one pass over the body: a value
// is inserted as it is and never read again, so a value holding `{{other}}` stays those
// characters and cannot pull in another variable.

export interface TemplateVariable {
  name: string;
  description?: string;
  /** Used when no value is given; a variable without one is required. */
  default?: string;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** A variable's name as declared and as written between the braces. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/** The names the body's placeholders use, each once, in order of first use. */
export function placeholdersOf(body: string): string[] {
  return [...new Set(Array.from(body.matchAll(PLACEHOLDER), (m) => m[1]))];
}

/**
 * What is wrong between a body and its declared variables, as field errors of the request: a
 * variable declared twice, a placeholder no variable declares, a variable no placeholder uses.
 * Empty when they match.
 */
export function checkVariables(body: string, variables: readonly TemplateVariable[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const declared = new Set<string>();
  variables.forEach((v, i) => {
    if (declared.has(v.name)) problems.push({ field: `body.variables.${i}.name`, message: `declares "${v.name}" a second time` });
    declared.add(v.name);
  });
  const used = placeholdersOf(body);
  for (const name of used) {
    if (!declared.has(name)) problems.push({ field: 'body.body', message: `uses {{${name}}}, which is not a declared variable` });
  }
  const usedSet = new Set(used);
  const unused = new Set<string>();
  variables.forEach((v, i) => {
    if (usedSet.has(v.name) || unused.has(v.name)) return;
    unused.add(v.name);
    problems.push({ field: `body.variables.${i}.name`, message: `"${v.name}" is not used by the body` });
  });
  return problems;
}

/**
 * The body with each placeholder replaced by its value, else its variable's default. Refuses
 * (as field errors of `values`) a value for a variable the template does not declare and a
 * required variable without a value; returns the text only when there is neither.
 */
export function renderBody(body: string, variables: readonly TemplateVariable[], values: Readonly<Record<string, string>>): { text: string } | { problems: FieldProblem[] } {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const problems: FieldProblem[] = [];
  for (const name of Object.keys(values)) {
    if (!byName.has(name)) problems.push({ field: `body.values.${name}`, message: 'is not a variable of this template version' });
  }
  for (const v of variables) {
    if (!Object.hasOwn(values, v.name) && v.default === undefined) problems.push({ field: `body.values.${v.name}`, message: 'is required: the variable has no default' });
  }
  if (problems.length) return { problems };
  // A function replacer: `$&`, `$1`… in a value are inserted as written, not as patterns.
  const text = body.replace(PLACEHOLDER, (_, name: string) => (Object.hasOwn(values, name) ? values[name] : (byName.get(name)?.default ?? '')));
  return { text };
}
