import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ContributionError, createRegistries, type LlmTool, type WidgetKind } from './contributions.ts';

const tool = (name: string): LlmTool => ({
  name,
  description: 'Counts the hours of a project.',
  input: Type.Object({ projectId: Type.String() }),
  output: Type.Object({ hours: Type.Number() }),
  allowed: async (as) => as.orgId !== null,
  run: async () => ({ hours: 3 }),
});
const bar: WidgetKind = { kind: 'bar', description: 'Bars.', options: Type.Object({}), compile: () => ({ mark: 'bar' }) };

describe('registries', () => {
  it("gathers each module's contributions under their keys, sorted, for consumers to read", async () => {
    const r = createRegistries();
    r.collect('time', { llmTools: [tool('time.hours_of_project'), tool('time.entries_of_user')] });
    r.collect('visualizations', { widgets: [bar] });
    r.collect('users', {});
    expect(r.llmTools.all().map((t) => t.name)).toEqual(['time.entries_of_user', 'time.hours_of_project']);
    expect(r.widgets.get('bar')?.compile({}, { columns: [], rows: [] })).toEqual({ mark: 'bar' });
    expect(r.connectors.all()).toEqual([]);
    expect(r.documentTemplates.get('nothing')).toBeUndefined();
  });

  it('refuses the same key from two modules, naming both', () => {
    const r = createRegistries();
    r.collect('time', { llmTools: [tool('shared.tool')] });
    expect(() => r.collect('projects', { llmTools: [tool('shared.tool')] })).toThrow(ContributionError);
    expect(() => r.collect('projects', { llmTools: [tool('shared.tool')] })).toThrow(/"shared.tool" is contributed twice: by "time" and by "projects"/);
  });
});
