// Tokens and what they cost. The API gives an answer's tokens (`usage`) and each catalog model's
// prices (minor units of the currency per million tokens, GET …/llm/models); the cost of an
// answer is its tokens at the prices of the model that answered (`model`: provider/model).
import type { components } from '../../api/schema';
import type { ChatUsage } from '../../api/answerStream';

export type LlmModel = components['schemas']['LlmModel'];
export interface Price {
  input: number;
  output: number;
  currency: string;
}
export type Prices = Map<string, Price>;

export function pricesOf(models: readonly LlmModel[]): Prices {
  const out: Prices = new Map();
  for (const m of models) {
    if (m.inputPrice == null || m.outputPrice == null) continue;
    out.set(`${m.provider}/${m.model}`, { input: m.inputPrice, output: m.outputPrice, currency: m.currency });
  }
  return out;
}

/** Minor units of the currency, fractions kept (a few tokens cost a fraction of a cent). */
export function costMinor(usage: ChatUsage, price: Price): number {
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

/** Minor units as money: 12.5 USD cents → "$0.125"; fractions of a cent keep up to four digits. */
export function formatMoney(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat('en', { style: 'currency', currency, maximumFractionDigits: digits + 4, minimumFractionDigits: digits }).format(minor / 10 ** digits);
}

export const formatNumber = (n: number) => new Intl.NumberFormat('en').format(n);

/**
 * Sums the answers' usage, and their cost at the prices known. `complete` is false when some
 * answer with tokens has no price (a model without prices, or one stopped before it said which
 * model answered): the cost is then a lower bound.
 */
export function total(
  answers: readonly { usage: ChatUsage | null; model: string | null }[],
  prices: Prices,
): { tokens: ChatUsage; cost: { minor: number; currency: string; complete: boolean } | null } {
  const tokens = { inputTokens: 0, outputTokens: 0 };
  let minor = 0;
  let currency: string | null = null;
  let complete = true;
  for (const a of answers) {
    if (!a.usage || a.usage.inputTokens + a.usage.outputTokens === 0) continue;
    tokens.inputTokens += a.usage.inputTokens;
    tokens.outputTokens += a.usage.outputTokens;
    const price = a.model ? prices.get(a.model) : undefined;
    if (!price || (currency && currency !== price.currency)) complete = false;
    else {
      currency = price.currency;
      minor += costMinor(a.usage, price);
    }
  }
  return { tokens, cost: currency ? { minor, currency, complete } : null };
}
