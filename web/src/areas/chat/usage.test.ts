// An answer's cost from its tokens and the catalog's prices (minor units per million tokens).
import { describe, expect, it } from 'vitest';
import { costMinor, formatMoney, pricesOf, total } from './usage';

const prices = pricesOf([
  { provider: 'priced', model: 'm', inputPrice: 250, outputPrice: 1000, currency: 'USD' },
  { provider: 'free', model: 'x', inputPrice: null, outputPrice: null, currency: 'USD' },
] as never);

describe('cost', () => {
  it('prices tokens per million in minor units, and shows fractions of a cent', () => {
    expect(costMinor({ inputTokens: 1_000_000, outputTokens: 500_000 }, prices.get('priced/m')!)).toBe(750);
    expect(formatMoney(750, 'USD')).toBe('$7.50');
    expect(formatMoney(0.6433, 'USD')).toBe('$0.006433');
    expect(formatMoney(100, 'JPY')).toBe('¥100');
  });

  it('sums a conversation; an answer with tokens and no price makes the cost a lower bound', () => {
    const a = { usage: { inputTokens: 1000, outputTokens: 100 }, model: 'priced/m' };
    expect(total([a, a], prices)).toEqual({ tokens: { inputTokens: 2000, outputTokens: 200 }, cost: { minor: 0.7, currency: 'USD', complete: true } });
    // Stopped before any token: not counted against the price.
    expect(total([a, { usage: { inputTokens: 0, outputTokens: 0 }, model: null }], prices).cost?.complete).toBe(true);
    expect(total([a, { usage: { inputTokens: 5, outputTokens: 1 }, model: 'free/x' }], prices).cost).toEqual({ minor: 0.35, currency: 'USD', complete: false });
    expect(total([{ usage: { inputTokens: 5, outputTokens: 1 }, model: 'free/x' }], prices).cost).toBeNull();
  });
});
