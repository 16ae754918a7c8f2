// The web_tools module's only public door: LLM tools that reach the web, for assistants and chat
// (docs/llm-tools.md). It has no tables, routes or façade: its tools are its contribution, and
// they touch no organization's data.
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { webToolsSettings } from './settings.ts';
import { webTools } from './tools.ts';

export { WebToolsProblems } from './problems.ts';

/** Nothing needs web_tools from another module: its tools are reached through the registry. */
export type WebToolsApi = Record<string, never>;

export const webToolsModule = defineModule({
  name: 'web_tools',
  requires: {},
  settings: webToolsSettings,
  setup(core): ModuleInstance<WebToolsApi> {
    return { api: {}, llmTools: webTools({ settings: core.settings, log: core.log }) };
  },
});
