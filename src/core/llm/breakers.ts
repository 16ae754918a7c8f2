// A circuit breaker per provider (cockatiel's): after LLM_BREAKER_FAILURES consecutive calls
// failed because the provider was down, its circuit opens and calls to it fail at once, without
// a request, for LLM_BREAKER_COOLDOWN; then one trial call is let through (half-open): it closes
// the circuit if the provider answers, opens it again if not, and the calls that came meanwhile
// wait for its verdict. A call is judged on its start: for a stream, up to its first part (a
// provider that has started to answer is up). Failures that are the request's (a 400, an
// answer of the wrong shape) or the caller's (cancelled) do not count. The state is this
// process's: each instance learns on its own that a provider is down, in a few calls.
import { BrokenCircuitError, CircuitState, type CircuitBreakerPolicy, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { circuitOpen, type Failure } from './failure.ts';
import type { LlmCircuitState } from './types.ts';

/** An attempt that failed, classified: what the chain of targets decides on. */
export class FailedAttempt extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.code ?? failure.outcome);
    this.name = 'FailedAttempt';
    this.failure = failure;
  }
}

const STATES: Record<CircuitState, LlmCircuitState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export function createBreakers(opts: { failures: number; cooldownMs: number }) {
  const breakers = new Map<string, { policy: CircuitBreakerPolicy; openedAt: number }>();

  function of(id: string) {
    let entry = breakers.get(id);
    if (!entry) {
      const policy = circuitBreaker(
        handleWhen((err) => err instanceof FailedAttempt && err.failure.providerDown),
        { halfOpenAfter: opts.cooldownMs, breaker: new ConsecutiveBreaker(opts.failures) },
      );
      const created: { policy: CircuitBreakerPolicy; openedAt: number } = { policy, openedAt: 0 };
      policy.onBreak(() => {
        created.openedAt = Date.now();
      });
      entry = created;
      breakers.set(id, entry);
    }
    return entry;
  }

  return {
    failedAttempt: (failure: Failure) => new FailedAttempt(failure),

    /** `fn` under the breaker of provider `id`; an open circuit throws FailedAttempt (LLM.UNAVAILABLE with the seconds left). */
    async run<T>(id: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
      const entry = of(id);
      try {
        return await entry.policy.execute(fn, signal);
      } catch (err) {
        if (!(err instanceof BrokenCircuitError)) throw err;
        const left = Math.ceil((entry.openedAt + opts.cooldownMs - Date.now()) / 1000);
        throw new FailedAttempt(circuitOpen(left));
      }
    },

    state: (id: string): LlmCircuitState => {
      const entry = breakers.get(id);
      if (!entry) return 'closed';
      const state = STATES[entry.policy.state];
      // cockatiel moves to half-open on the next call after the cool-down: say so before it.
      return state === 'open' && Date.now() - entry.openedAt >= opts.cooldownMs ? 'half-open' : state;
    },
  };
}
