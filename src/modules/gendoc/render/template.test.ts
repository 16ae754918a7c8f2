import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { placeholdersOf, substitute } from './placeholders.ts';
import { API_ONLY_TEMPLATE, checkTemplate, DEFAULT_TEMPLATE, type DocTemplate, DocTemplateSchema, resolveValues } from './template.ts';

const template = (over: Partial<DocTemplate>): DocTemplate => ({ ...DEFAULT_TEMPLATE, ...over });

describe('placeholders', () => {
  it('finds plain and dotted names once each, with spaces inside the braces, and leaves other braces as text', () => {
    expect(placeholdersOf('{{project.name}} {{ audience }} {{project.name}} {{ not a name }} {json: {}} {{1x}} {{a.}}')).toEqual(['project.name', 'audience']);
  });

  it('substitutes in one pass: a value holding a placeholder or a replacement pattern stays those characters', () => {
    const values = new Map([
      ['a', '{{b}} $& $1'],
      ['b', 'B'],
    ]);
    expect(substitute('{{a}}|{{ b }}|{{missing}}', values)).toBe('{{b}} $& $1|B|');
  });
});

describe('DocTemplateSchema', () => {
  it('accepts the built-in templates and refuses unknown properties, bad variable names and long bodies', () => {
    expect(Value.Check(DocTemplateSchema, DEFAULT_TEMPLATE)).toBe(true);
    expect(Value.Check(DocTemplateSchema, API_ONLY_TEMPLATE)).toBe(true);
    expect(Value.Check(DocTemplateSchema, { ...DEFAULT_TEMPLATE, script: 'x' })).toBe(false);
    expect(Value.Check(DocTemplateSchema, { ...DEFAULT_TEMPLATE, variables: [{ name: 'has space' }] })).toBe(false);
    expect(Value.Check(DocTemplateSchema, { ...DEFAULT_TEMPLATE, overview: 'x'.repeat(50_001) })).toBe(false);
    expect(Value.Check(DocTemplateSchema, { ...DEFAULT_TEMPLATE, options: { ...DEFAULT_TEMPLATE.options, runCode: true } })).toBe(false);
  });
});

describe('checkTemplate', () => {
  it('finds nothing wrong with the built-in templates', () => {
    expect(checkTemplate(DEFAULT_TEMPLATE)).toEqual([]);
    expect(checkTemplate(API_ONLY_TEMPLATE)).toEqual([]);
  });

  it('names the field of each unknown placeholder, page values used outside their page included', () => {
    const problems = checkTemplate(
      template({
        overview: '# {{project.name}} {{projet.name}} {{file.path}}',
        filePage: '{{file.path}} {{module.path}} {{team}}',
        modulePage: '{{module.files}}',
        apiPage: '{{api.title}} {{readme}} {{constructor}}',
        variables: [{ name: 'team' }],
      }),
    );
    expect(problems).toEqual([
      { field: 'overview', message: 'uses {{projet.name}}, which is neither a built-in value of this page nor a declared variable' },
      { field: 'overview', message: 'uses {{file.path}}, which is neither a built-in value of this page nor a declared variable' },
      { field: 'filePage', message: 'uses {{module.path}}, which is neither a built-in value of this page nor a declared variable' },
      { field: 'apiPage', message: 'uses {{constructor}}, which is neither a built-in value of this page nor a declared variable' },
    ]);
  });

  it('refuses a variable declared twice or named like a built-in value, and a template without pages', () => {
    const problems = checkTemplate(template({ variables: [{ name: 'team' }, { name: 'team' }, { name: 'readme' }], pages: { overview: false, modules: false, api: false, files: false } }));
    expect(problems).toEqual([
      { field: 'variables.1.name', message: 'declares "team" a second time' },
      { field: 'variables.2.name', message: '"readme" is a built-in value and cannot be a variable' },
      { field: 'pages', message: 'makes no page: turn on at least one kind' },
    ]);
  });
});

describe('resolveValues', () => {
  const t = template({ variables: [{ name: 'team', default: 'Core' }, { name: 'audience' }, { name: 'note', default: null }] });

  it('takes given values, then defaults', () => {
    expect(resolveValues(t, { audience: 'ops', note: 'n' })).toEqual({
      values: new Map([
        ['team', 'Core'],
        ['audience', 'ops'],
        ['note', 'n'],
      ]),
    });
  });

  it('refuses unknown values, missing required ones and values too long', () => {
    expect(resolveValues(t, { extra: 'x', team: 'y'.repeat(5_001) })).toEqual({
      problems: [
        { field: 'values.extra', message: 'is not a variable of this template' },
        { field: 'values.team', message: 'is longer than 5000 characters' },
        { field: 'values.audience', message: 'is required: the variable has no default' },
        { field: 'values.note', message: 'is required: the variable has no default' },
      ],
    });
  });
});
