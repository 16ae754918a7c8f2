// The LLM tool of the analytics module (contributions: `llmTools`): a question to a data source,
// as SQL the model writes (members, like POST /queries) or as a saved question (viewers too,
// like POST /questions/{id}/run). Both run through the same runner as the API: the source must be
// the caller's org's, the SQL passes the source's guard and caps, and the run lands in the
// caller's history and the audit log. The answer is cut to what a model can read.
import { type Static, Type } from 'typebox';
import type { LlmTool } from '../../core/contributions.ts';
import { invalid } from '../../core/errors.ts';
import { AnyJson, Nullable, Text, Uuid } from '../../core/http/schema-types.ts';
import { assertCredentialsAllow, credentialsAllow, toolActor } from '../../core/llm/tools.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { Questions } from './questions.ts';
import type { ResultView } from './runner.ts';
import type { AnalyticsApi } from './service.ts';

/** Rows the model gets by default and at most; the source's own caps still apply underneath. */
const DEFAULT_ROWS = 50;
const MAX_ROWS = 200;
/** JSON characters of rows the model gets at most: rows past it are left out, `truncated` says so. */
export const MAX_ROWS_CHARS = 40_000;
/** A text cell is cut here (a long description would crowd out every other row). */
const CELL_CHARS = 500;

const ParameterValue = Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean(), Type.Null()]);

const AskDataInput = Type.Object({
  dataSourceId: Type.Optional(Uuid('The data source to run `sql` on (members)')),
  sql: Type.Optional(Text(20_000, { description: "One SELECT (or WITH … SELECT) in the source's dialect; it passes the same guard as the API" })),
  questionId: Type.Optional(Uuid('A saved question to run instead of SQL (viewers may run these)')),
  parameters: Type.Optional(
    Type.Array(Type.Object({ name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$', examples: ['since'] }), value: ParameterValue }), {
      maxItems: 50,
      description: "Values for a saved question's declared parameters; the others run with their defaults",
    }),
  ),
  maxRows: Type.Integer({ minimum: 1, maximum: MAX_ROWS, default: DEFAULT_ROWS, description: 'Rows to answer at most' }),
});

const AskDataOutput = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Array(AnyJson('A cell'))),
  rowCount: Type.Integer({ description: 'Rows answered here' }),
  truncated: Type.Boolean({ description: 'More rows exist than are answered here' }),
  questionId: Nullable(Type.String()),
});

type Output = Static<typeof AskDataOutput>;

const cell = (v: unknown) => (typeof v === 'string' && v.length > CELL_CHARS ? `${v.slice(0, CELL_CHARS)}…` : v);

/** The first rows that fit both caps. */
export function fitResult(result: ResultView, maxRows: number, questionId: string | null): Output {
  const rows: unknown[][] = [];
  let chars = 0;
  for (const row of result.rows.slice(0, maxRows)) {
    const cut = row.map(cell);
    chars += JSON.stringify(cut).length + 1;
    if (chars > MAX_ROWS_CHARS && rows.length > 0) break;
    rows.push(cut);
  }
  return {
    columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
    rows,
    rowCount: rows.length,
    truncated: result.truncated || rows.length < result.rows.length,
    questionId,
  };
}

export function analyticsTools(deps: { orgs: OrganizationsApi; sql: Pick<AnalyticsApi, 'runSql'>; questions: Questions }): LlmTool<any, any>[] {
  const askData: LlmTool<typeof AskDataInput, typeof AskDataOutput> = {
    name: 'analytics.ask_data',
    description:
      "Runs a read-only query on one of the current organization's data sources and answers the rows: either `dataSourceId` and `sql` " +
      '(one SELECT in the source\'s dialect; members and up), or `questionId` of a saved question with optional `parameters` (viewers too). ' +
      'The query passes the same guard, caps and permissions as the API; sources of other organizations do not exist here.',
    input: AskDataInput,
    output: AskDataOutput,
    // Viewers run saved questions, members SQL too (routes.ts): either way, someone of the org
    // whose credentials reach analytics at all.
    async allowed(as) {
      if (!as.orgId) return false;
      if (!credentialsAllow(as.principal, 'analytics:read') && !credentialsAllow(as.principal, 'analytics:query')) return false;
      return (await deps.orgs.roleOf(as.principal.userId, as.orgId)) !== null;
    },
    async run(input, ctx) {
      const orgId = ctx.orgId!;
      const actor = toolActor(ctx);
      if (input.questionId !== undefined) {
        if (input.sql !== undefined || input.dataSourceId !== undefined) throw invalid('input.questionId', 'give either questionId or dataSourceId and sql, not both');
        assertCredentialsAllow(ctx.principal, 'analytics:read');
        // The API's use case: viewers and up, the question must be this org's (404 otherwise).
        const result = await deps.questions.run(actor, orgId, input.questionId, { parameters: input.parameters });
        return fitResult(result, input.maxRows, input.questionId);
      }
      if (input.sql === undefined || input.dataSourceId === undefined) throw invalid(input.sql === undefined ? 'input.sql' : 'input.dataSourceId', 'give dataSourceId and sql, or questionId');
      if (input.parameters !== undefined) throw invalid('input.parameters', 'parameters are for saved questions: write the values into the SQL');
      assertCredentialsAllow(ctx.principal, 'analytics:query');
      // POST /queries' use case: members and up, the source must be this org's, the guard and caps apply.
      const result = await deps.sql.runSql(actor, orgId, { dataSourceId: input.dataSourceId, sql: input.sql, maxRows: input.maxRows });
      return fitResult(result, input.maxRows, null);
    },
  };
  return [askData];
}
