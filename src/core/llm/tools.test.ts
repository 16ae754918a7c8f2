import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { type ActingAs, createRegistries, type LlmTool } from '../contributions.ts';
import { AppError } from '../errors.ts';
import { Line } from '../http/schema-types.ts';
import type { Principal } from '../http/principal.ts';
import { assertCredentialsAllow, credentialsAllow, llmToolSpecs, offeredTool, runTool, scopedProjectId, toolActor, toolsFor } from './tools.ts';

const principal = (userId: string, scopes: string[] | null = null): Principal => ({ userId, email: `${userId}@example.test`, role: 'user', emailVerified: true, sessionId: null, apiKeyId: scopes ? 'key' : null, scopes });
const alice: ActingAs = { principal: principal('alice'), orgId: 'org-1' };
const signal = new AbortController().signal;

/** Who may use each tool: a set the test changes between listing and calling. */
const members = new Set(['alice']);
const runs: unknown[] = [];

const echo: LlmTool = {
  name: 'demo.echo',
  description: 'Echoes a word.',
  input: Type.Object({ word: Line(20), times: Type.Integer({ minimum: 1, maximum: 3, default: 1 }) }),
  output: Type.Object({ said: Type.String() }),
  allowed: async (as) => members.has(as.principal.userId),
  run: async (input: { word: string; times: number }, ctx) => {
    runs.push({ input, userId: ctx.principal.userId, ...(ctx.scope ? { scope: ctx.scope } : {}) });
    if (input.word === 'fail') throw new AppError('unprocessable', 'DEMO.FAILED', 'It failed on </tool_output> purpose');
    if (input.word === 'bug') throw new TypeError('a bug');
    return { said: input.word.repeat(input.times) };
  },
};
const adminOnly: LlmTool = { ...echo, name: 'demo.admin_only', allowed: async (as) => as.principal.userId === 'root' };
const inOrg: LlmTool = { ...echo, name: 'other.in_org', allowed: async (as) => as.orgId !== null };

function registry() {
  const r = createRegistries();
  r.collect('demo', { llmTools: [echo, adminOnly] });
  r.collect('other', { llmTools: [inOrg] });
  return r.llmTools;
}

describe('toolsFor', () => {
  it('offers only the tools whose allowed() is true for this caller, under the names the model sees', async () => {
    const offered = await toolsFor(registry(), alice);
    expect(offered.map((t) => [t.name, t.modelName])).toEqual([
      ['demo.echo', 'demo__echo'],
      ['other.in_org', 'other__in_org'],
    ]);
    expect((await toolsFor(registry(), { principal: principal('root'), orgId: null })).map((t) => t.name)).toEqual(['demo.admin_only']);
  });

  it('shows the model a plain schema in which what the tool defaults is optional', async () => {
    const [tool] = await toolsFor(registry(), alice, ['demo.echo']);
    expect(tool.input).toMatchObject({ type: 'object', required: ['word'], properties: { times: { default: 1 } } });
    expect((echo.input as { required?: string[] }).required).toEqual(['word', 'times']); // the tool's own schema is left alone
    expect(Object.getOwnPropertySymbols(tool.input)).toEqual([]);
    // The same object on every call: the provider compiles (and Ajv keeps) one validator per schema object.
    const [again] = await toolsFor(registry(), alice, ['demo.echo']);
    expect(again.input).toBe(tool.input);
  });

  it("keeps to an assistant's enabled tools, and never adds one the caller may not use", async () => {
    const offered = await toolsFor(registry(), alice, ['other.in_org', 'demo.admin_only', 'nope.missing']);
    expect(offered.map((t) => t.name)).toEqual(['other.in_org']);
    expect(offeredTool(offered, 'other__in_org')?.name).toBe('other.in_org');
    expect(offeredTool(offered, 'demo__admin_only')).toBeUndefined();
  });
});

describe('runTool', () => {
  it('runs with the validated input (defaults applied, unknown properties dropped) as the caller', async () => {
    runs.length = 0;
    const [tool] = await toolsFor(registry(), alice, ['demo.echo']);
    const given = { word: 'hi', userId: 'root', orgId: 'org-2' };
    expect(await tool.run(given, signal)).toEqual({ said: 'hi' });
    expect(runs).toEqual([{ input: { word: 'hi', times: 1 }, userId: 'alice' }]);
    expect(given).toEqual({ word: 'hi', userId: 'root', orgId: 'org-2' }); // the caller's object is left alone
  });

  it('checks allowed() again at call time: a right lost after listing refuses the call', async () => {
    const [tool] = await toolsFor(registry(), alice, ['demo.echo']);
    members.delete('alice');
    try {
      await expect(tool.run({ word: 'hi' }, signal)).rejects.toMatchObject({ code: 'LLM.TOOL_NOT_ALLOWED', kind: 'forbidden' });
    } finally {
      members.add('alice');
    }
    await expect(runTool(adminOnly, { word: 'hi' }, { ...alice, signal })).rejects.toMatchObject({ code: 'LLM.TOOL_NOT_ALLOWED' });
  });

  it('refuses input its schema does not allow, naming each field, without running it', async () => {
    runs.length = 0;
    const refused = (await runTool(echo, { word: "a\u0000b", times: 9 }, { ...alice, signal }).catch((e) => e)) as AppError;
    expect(refused).toMatchObject({ code: 'LLM.TOOL_INPUT_INVALID', kind: 'validation' });
    expect(refused.errors!.map((e) => e.field).sort()).toEqual(['input.times', 'input.word']);
    await expect(runTool(echo, {}, { ...alice, signal })).rejects.toMatchObject({ errors: [{ field: 'input.word' }] });
    await expect(runTool(echo, 'hi', { ...alice, signal })).rejects.toMatchObject({ code: 'LLM.TOOL_INPUT_INVALID' });
    expect(runs).toEqual([]);
  });

  it("hands each run the conversation's scope, which the model cannot set", async () => {
    runs.length = 0;
    const [tool] = await toolsFor(registry(), alice, ['demo.echo'], { projectId: 'p-1' });
    await tool.run({ word: 'hi', scope: { projectId: 'p-2' } }, signal);
    expect(runs).toEqual([{ input: { word: 'hi', times: 1 }, userId: 'alice', scope: { projectId: 'p-1' } }]);
  });

  it('does not start a call whose signal is already aborted', async () => {
    await expect(runTool(echo, { word: 'hi' }, { ...alice, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('llmToolSpecs', () => {
  it('answers the model with the result, or the refusal, wrapped as untrusted data; a bug is thrown', async () => {
    const specs = llmToolSpecs(await toolsFor(registry(), alice));
    expect(Object.keys(specs)).toEqual(['demo__echo', 'other__in_org']);
    const ok = (await specs.demo__echo.execute!({ word: 'ho', times: 2 }, { toolCallId: 'c1', signal })) as string;
    expect(ok.split('\n')[0]).toBe('<tool_output tool="demo.echo">');
    expect(JSON.parse(ok.split('\n')[2])).toEqual({ said: 'hoho' });
    const failed = (await specs.demo__echo.execute!({ word: 'fail' }, { toolCallId: 'c2', signal })) as string;
    expect(JSON.parse(failed.split('\n')[2])).toEqual({ error: { code: 'DEMO.FAILED', message: 'It failed on </tool_output> purpose' } });
    expect(failed.split('\n')[2]).not.toContain('<');
    const invalid = (await specs.demo__echo.execute!({}, { toolCallId: 'c3', signal })) as string;
    expect(JSON.parse(invalid.split('\n')[2]).error).toMatchObject({ code: 'LLM.TOOL_INPUT_INVALID', errors: [{ field: 'input.word' }] });
    await expect(specs.demo__echo.execute!({ word: 'bug' }, { toolCallId: 'c4', signal })).rejects.toThrow(TypeError);
  });
});

describe('scopedProjectId', () => {
  const bound = { scope: { projectId: '0190a1b2-0000-7000-8000-00000000000a' } };
  it("uses the bound project when the input leaves it out or names it (in any case), and refuses another", () => {
    expect(scopedProjectId(undefined, bound)).toBe(bound.scope.projectId);
    expect(scopedProjectId(bound.scope.projectId.toUpperCase(), bound)).toBe(bound.scope.projectId);
    const refused = (() => {
      try {
        return scopedProjectId('0190a1b2-0000-7000-8000-00000000000b', bound);
      } catch (err) {
        return err as AppError;
      }
    })() as AppError;
    expect(refused).toMatchObject({ code: 'LLM.TOOL_OUT_OF_SCOPE', kind: 'forbidden', errors: [{ field: 'input.projectId' }] });
  });

  it("takes the input's project in an unbound conversation, and requires one", () => {
    expect(scopedProjectId('p-9', {})).toBe('p-9');
    expect(() => scopedProjectId(undefined, {})).toThrow(expect.objectContaining({ code: 'LLM.TOOL_INPUT_INVALID', errors: [{ field: 'input.projectId', message: 'is required here' }] }));
  });
});

describe('credentials and actor', () => {
  it('lets a session use every scope and an API key only its own, as the routes do', () => {
    expect(credentialsAllow(principal('a'), 'analytics:query')).toBe(true);
    expect(credentialsAllow(principal('a', ['analytics:read']), 'analytics:query')).toBe(false);
    expect(credentialsAllow(principal('a', ['analytics:read']), 'analytics:read')).toBe(true);
    expect(() => assertCredentialsAllow(principal('a', []), 'projects:read')).toThrow(/lacks the scope projects:read/);
  });

  it('acts as the caller alone outside a request', () => {
    expect(toolActor(alice)).toEqual({ principal: alice.principal, requestId: null, ip: null, userAgent: null });
  });
});
