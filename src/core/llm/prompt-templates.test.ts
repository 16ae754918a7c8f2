import { describe, expect, it } from 'vitest';
import { type BuiltinPromptTemplate, createPromptTemplateRegistry } from './prompt-templates.ts';

const template = (id: string, extra: Partial<BuiltinPromptTemplate> = {}): BuiltinPromptTemplate => ({
  id,
  name: 'Explain',
  description: 'Explains a file.',
  body: 'Explain {{path}}.',
  variables: [{ name: 'path' }],
  version: 1,
  ...extra,
});

describe('createPromptTemplateRegistry', () => {
  it('lists every declared template sorted by id, each with the module that declared it', () => {
    const registry = createPromptTemplateRegistry([
      { owner: 'codebase', templates: [template('codebase.review'), template('codebase.explain')] },
      { owner: 'analytics', templates: [template('analytics.explain_query')] },
    ]);
    expect(registry.list().map((t) => [t.id, t.module])).toEqual([
      ['analytics.explain_query', 'analytics'],
      ['codebase.explain', 'codebase'],
      ['codebase.review', 'codebase'],
    ]);
    expect(registry.get('codebase.explain')).toMatchObject({ body: 'Explain {{path}}.', variables: [{ name: 'path' }], version: 1 });
    expect(registry.get('codebase.nope')).toBeUndefined();
  });

  it('refuses a malformed id, one named after another module, one declared twice, and a version below 1', () => {
    expect(() => createPromptTemplateRegistry([{ owner: 'codebase', templates: [template('Codebase.Explain')] }])).toThrow(/<module>\.<template>/);
    expect(() => createPromptTemplateRegistry([{ owner: 'codebase', templates: [template('chat.explain')] }])).toThrow(/name it "codebase.explain"/);
    expect(() => createPromptTemplateRegistry([{ owner: 'codebase', templates: [template('codebase.explain'), template('codebase.explain')] }])).toThrow(/declared twice/);
    expect(() => createPromptTemplateRegistry([{ owner: 'codebase', templates: [template('codebase.explain', { version: 0 })] }])).toThrow(/version 0/);
  });

  it('keeps its own copy: a declaration changed afterwards does not change what is served', () => {
    const declared = template('codebase.explain');
    const registry = createPromptTemplateRegistry([{ owner: 'codebase', templates: [declared] }]);
    (declared.variables as { name: string }[])[0].name = 'other';
    expect(registry.get('codebase.explain')!.variables).toEqual([{ name: 'path' }]);
  });
});
