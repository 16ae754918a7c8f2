// What a conversation has used (tokens, and cost when its models have prices) and the month's
// budget with what is left. Budgets are the organization admins' to read (GET …/llm/budgets);
// for anyone else the panel says so rather than guessing.
import type { ChatMessage } from '../../api/answerStream';
import type { components } from '../../api/schema';
import { formatMoney, formatNumber, type Prices, total } from './usage';

export type Budgets = components['schemas']['LlmBudgets'];

interface Props {
  messages: readonly ChatMessage[];
  prices: Prices;
  budgets: Budgets | undefined;
  /** The budgets could not be read (not an admin). */
  budgetsHidden: boolean;
}

function left(limit: number | null, spent: number): number | null {
  return limit == null ? null : Math.max(0, limit - spent);
}

export function UsagePanel({ messages, prices, budgets, budgetsHidden }: Props) {
  const sum = total(
    messages.filter((m) => m.role === 'assistant'),
    prices,
  );
  const org = budgets?.org;
  const tokensLeft = org ? left(org.monthlyTokens, org.spentTokens) : null;
  const moneyLeft = org ? left(org.monthlyCostMinor, org.spentCostMinor) : null;
  return (
    <section className="usage-panel" aria-labelledby="usage-title">
      <h2 id="usage-title">Usage</h2>
      <dl>
        <dt>This conversation</dt>
        <dd>
          {formatNumber(sum.tokens.inputTokens + sum.tokens.outputTokens)} tokens ({formatNumber(sum.tokens.inputTokens)} in, {formatNumber(sum.tokens.outputTokens)} out)
          {sum.cost
            ? `, ${sum.cost.complete ? '' : 'at least '}${formatMoney(sum.cost.minor, sum.cost.currency)}${sum.cost.complete ? '' : ' (some answers have no price)'}`
            : sum.tokens.inputTokens + sum.tokens.outputTokens > 0
              ? ', no price set for its model'
              : ''}
        </dd>
        {budgets && org && (
          <>
            <dt>Organization budget, {budgets.month}</dt>
            <dd>
              {org.monthlyTokens == null && org.monthlyCostMinor == null && `No monthly limit; ${formatNumber(org.spentTokens)} tokens used.`}
              {org.monthlyTokens != null && (
                <span className="budget-line">
                  {formatNumber(org.spentTokens)} of {formatNumber(org.monthlyTokens)} tokens used, {formatNumber(tokensLeft ?? 0)} left.
                </span>
              )}
              {org.monthlyCostMinor != null && (
                <span className="budget-line">
                  {formatMoney(org.spentCostMinor, budgets.currency)} of {formatMoney(org.monthlyCostMinor, budgets.currency)} spent, {formatMoney(moneyLeft ?? 0, budgets.currency)} left.
                </span>
              )}
            </dd>
          </>
        )}
      </dl>
      {budgetsHidden && <p className="meta">The organization's budgets are shown to its admins.</p>}
    </section>
  );
}
