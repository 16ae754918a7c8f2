import { describe, expect, it } from 'vitest';
import { checkVariables, placeholdersOf, renderBody } from './placeholders.ts';

describe('placeholdersOf', () => {
  it('finds each name once, in order, spaces inside the braces allowed', () => {
    expect(placeholdersOf('Dear {{name}}, about {{ topic }}: {{name}} again. {{_x1}}')).toEqual(['name', 'topic', '_x1']);
  });

  it('leaves anything that is not a name between braces as text', () => {
    expect(placeholdersOf('{"a": {{"b": 1}}} {{ }} {{1st}} {{a-b}} {{a b}} {name} {{{ok}}}')).toEqual(['ok']);
    expect(placeholdersOf(`{{${'a'.repeat(65)}}}`)).toEqual([]);
  });
});

describe('checkVariables', () => {
  it('accepts a body whose placeholders are exactly the declared variables', () => {
    expect(checkVariables('Hi {{name}}, {{ day }}', [{ name: 'day' }, { name: 'name', default: 'you' }])).toEqual([]);
    expect(checkVariables('No variables here', [])).toEqual([]);
  });

  it('names a placeholder nobody declares, a variable nobody uses, and one declared twice', () => {
    expect(checkVariables('Hi {{name}} {{city}}', [{ name: 'name' }, { name: 'zip' }, { name: 'name' }])).toEqual([
      { field: 'body.variables.2.name', message: 'declares "name" a second time' },
      { field: 'body.body', message: 'uses {{city}}, which is not a declared variable' },
      { field: 'body.variables.1.name', message: '"zip" is not used by the body' },
    ]);
  });
});

describe('renderBody', () => {
  const variables = [{ name: 'name' }, { name: 'tone', default: 'friendly' }, { name: 'other', default: 'SECRET' }];
  const body = 'Write to {{name}} in a {{ tone }} tone. {{other}}';

  it('substitutes values, and defaults for variables given none', () => {
    expect(renderBody(body, variables, { name: 'Ada' })).toEqual({ text: 'Write to Ada in a friendly tone. SECRET' });
    expect(renderBody(body, variables, { name: 'Ada', tone: '', other: 'x' })).toEqual({ text: 'Write to Ada in a  tone. x' });
  });

  it('inserts a value literally: placeholders and replacement patterns inside it are never read', () => {
    const rendered = renderBody(body, variables, { name: '{{other}} $& $1 $$ {{ tone }}', other: '-' });
    expect(rendered).toEqual({ text: 'Write to {{other}} $& $1 $$ {{ tone }} in a friendly tone. -' });
  });

  it('refuses a required variable without a value and a value for no variable', () => {
    expect(renderBody(body, variables, { tone: 'dry', extra: 'x' })).toEqual({
      problems: [
        { field: 'body.values.extra', message: 'is not a variable of this template version' },
        { field: 'body.values.name', message: 'is required: the variable has no default' },
      ],
    });
  });

  it('does not take inherited properties for values', () => {
    expect(renderBody('{{constructor}}', [{ name: 'constructor', default: 'd' }], {})).toEqual({ text: 'd' });
    expect(renderBody('{{toString}}', [{ name: 'toString' }], {})).toEqual({ problems: [{ field: 'body.values.toString', message: 'is required: the variable has no default' }] });
  });
});
