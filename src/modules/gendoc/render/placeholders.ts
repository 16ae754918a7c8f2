// A documentation template's `{{placeholders}}`: finding them and substituting values. The syntax
// is the prompt templates' one (assistants/placeholders.ts) with dotted names for the built-in
// values (`{{project.name}}`, `{{totals.files}}`): `{{`, optional spaces, a name (letters,
// digits, `_`, segments joined by `.`), optional spaces, `}}`. Anything else between braces is
// text. Substitution is one pass: a value is inserted as it is and never read again, so a README
// or a variable holding `{{other}}` stays those characters and cannot pull in another value.
// No logic (no conditions, loops or calls): what a page holds is decided by the page builders.

const NAME = '[A-Za-z_][A-Za-z0-9_]{0,63}(?:\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,3}';
const PLACEHOLDER = new RegExp(`\\{\\{\\s*(${NAME})\\s*\\}\\}`, 'g');

/** A template variable's name: one segment, as declared and as written between the braces. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The names the text's placeholders use, each once, in order of first use. */
export function placeholdersOf(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[1]))];
}

/** The text with each placeholder replaced by its value; a name without a value becomes ''. */
export function substitute(text: string, values: ReadonlyMap<string, string>): string {
  // A function replacer: `$&`, `$1`… in a value are inserted as written, not as patterns.
  return text.replace(PLACEHOLDER, (_, name: string) => values.get(name) ?? '');
}
