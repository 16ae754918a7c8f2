import { describe, expect, it } from 'vitest';
import { type BuiltinPromptTemplate, createPromptTemplateRegistry } from '../../core/llm/prompt-templates.ts';
import { assertBuiltinsValid, builtinsListed } from './builtins.ts';

const template = (id: string, extra: Partial<BuiltinPromptTemplate> = {}): BuiltinPromptTemplate => ({
  id,
  name: 'Explain code',
  description: 'Explains a file.',
  body: 'Explain {{symbol}} in {{path}}.',
  variables: [{ name: 'path' }, { name: 'symbol', default: 'the whole file' }],
  version: 1,
  ...extra,
});
const registryOf = (...templates: BuiltinPromptTemplate[]) => createPromptTemplateRegistry([{ owner: 'codebase', templates }]);

describe('assertBuiltinsValid', () => {
  it("accepts templates whose placeholders are exactly their variables, and refuses the others, naming the template", () => {
    expect(() => assertBuiltinsValid(registryOf(template('codebase.explain')))).not.toThrow();
    expect(() => assertBuiltinsValid(registryOf(template('codebase.explain', { body: 'Explain {{path}} for {{who}}.' })))).toThrow(
      /"codebase.explain" of "codebase" is not valid: uses \{\{who\}\}, which is not a declared variable; "symbol" is not used by the body/,
    );
  });
});

describe('builtinsListed', () => {
  const registry = registryOf(template('codebase.explain'), template('codebase.review', { name: 'Review a file' }), template('codebase.find', { name: 'Find where' }));
  it('filters by name in any case and by visibility, after a cursor, in id order', () => {
    expect(builtinsListed(registry, {}).map((t) => t.id)).toEqual(['codebase.explain', 'codebase.find', 'codebase.review']);
    expect(builtinsListed(registry, { q: ' REVIEW ' }).map((t) => t.id)).toEqual(['codebase.review']);
    expect(builtinsListed(registry, { visibility: 'private' })).toEqual([]);
    expect(builtinsListed(registry, { visibility: 'org' }, 'codebase.explain').map((t) => t.id)).toEqual(['codebase.find', 'codebase.review']);
  });
});
