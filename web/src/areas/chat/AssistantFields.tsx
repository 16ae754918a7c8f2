// The fields of an assistant (docs/assistants.md), for creating and changing one, and the body
// the API takes from them. Refusals name `body.tools.<i>` for each unknown tool: shown under
// the tools field.
import { Field } from '../../ui/Field';
import type { components } from '../../api/schema';

export type Assistant = components['schemas']['Assistant'];
type LlmModel = components['schemas']['LlmModel'];

/** The form's fields as the API's body: tools written one per comma, empty fields left out or cleared. */
export function assistantBody(v: Record<string, string>) {
  return {
    name: v.name ?? '',
    description: v.description?.trim() ? v.description.trim() : null,
    instructions: v.instructions ?? '',
    modelId: v.modelId ? v.modelId : null,
    temperature: v.temperature?.trim() ? Number(v.temperature) : null,
    tools: (v.tools ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    visibility: v.visibility === 'org' ? ('org' as const) : ('private' as const),
  };
}

/** Field messages with every `tools.<i>` gathered under `tools`. */
export function withToolErrors(errors: Record<string, string>): Record<string, string> {
  const out = { ...errors };
  for (const [name, message] of Object.entries(errors)) {
    if (/^tools\.\d+$/.test(name)) out.tools = out.tools ? `${out.tools}; ${message}` : message;
  }
  return out;
}

export function AssistantFields({ errors: raw, initial, models }: { errors: Record<string, string>; initial?: Assistant; models: readonly LlmModel[] }) {
  const errors = withToolErrors(raw);
  return (
    <>
      <Field label="Name" name="name" required defaultValue={initial?.name} error={errors.name} />
      <Field label="Description" name="description" defaultValue={initial?.description ?? ''} error={errors.description} />
      <div className="field">
        <label htmlFor="assistant-instructions">Instructions</label>
        <p className="hint" id="assistant-instructions-hint">
          What the assistant is told before every conversation (its system prompt).
        </p>
        <textarea
          id="assistant-instructions"
          name="instructions"
          rows={5}
          defaultValue={initial?.instructions}
          aria-describedby={errors.instructions ? 'assistant-instructions-hint assistant-instructions-error' : 'assistant-instructions-hint'}
          aria-invalid={errors.instructions ? true : undefined}
        />
        {errors.instructions && (
          <p className="field-error" id="assistant-instructions-error">
            {errors.instructions}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="assistant-model">Model</label>
        <select id="assistant-model" name="modelId" defaultValue={initial?.modelId ?? ''}>
          <option value="">The organization's default model</option>
          {models
            .filter((m) => m.allowed)
            .map((m) => (
              <option key={m.id} value={m.id}>
                {m.provider}/{m.model}
              </option>
            ))}
        </select>
        {errors.modelId && <p className="field-error">{errors.modelId}</p>}
      </div>
      <Field
        label="Temperature"
        name="temperature"
        inputMode="decimal"
        hint="0 to 2; empty: the model's own default."
        defaultValue={initial?.temperature ?? ''}
        error={errors.temperature}
      />
      <Field
        label="Tools"
        name="tools"
        hint="Tool names separated by commas, e.g. projects.find_projects, web_tools.web_search. Each person still gets only the tools they may use."
        defaultValue={initial?.tools.join(', ')}
        error={errors.tools}
      />
      <div className="field">
        <label htmlFor="assistant-visibility">Who can use it</label>
        <select id="assistant-visibility" name="visibility" defaultValue={initial?.visibility ?? 'private'}>
          <option value="private">Only me</option>
          <option value="org">Everyone in the organization</option>
        </select>
      </div>
    </>
  );
}
