import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ContributionError, createRegistries, type LlmTool, modelToolName, type WidgetKind } from './contributions.ts';

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
    r.collect('visualizations', { widgets: [bar] });
    expect(() => r.collect('dashboards', { widgets: [bar] })).toThrow(ContributionError);
    expect(() => r.collect('dashboards', { widgets: [bar] })).toThrow(/"bar" is contributed twice: by "visualizations" and by "dashboards"/);
  });

  it('refuses an LLM tool not named <module>.<tool> after the module that contributes it', () => {
    const r = createRegistries();
    expect(() => r.collect('time', { llmTools: [tool('projects.hours')] })).toThrow(/contributed by "time": name it "time.hours"/);
    expect(() => r.collect('time', { llmTools: [tool('time.Hours')] })).toThrow(/must be named <module>.<tool>/);
    expect(() => r.collect('time', { llmTools: [tool('time__hours')] })).toThrow(/must be named <module>.<tool>/);
    expect(() => r.collect('time', { llmTools: [tool(`time.${'h'.repeat(60)}`)] })).toThrow(/at most 64 characters/);
    expect(r.llmTools.all()).toEqual([]);
  });

  it('shows the model a name every provider accepts, one to one with the tool\'s', () => {
    expect(modelToolName('web_tools.web_search')).toBe('web_tools__web_search');
    expect(modelToolName('analytics.ask_data')).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });
});
