// Composes the time module's use cases over one shared context.
import { createTimeApi } from './api.ts';
import { createBudgetCheck } from './budget.ts';
import { createContext, type TimeDeps } from './context.ts';
import { createEntriesService } from './entries-service.ts';
import { createSettingsService } from './settings-service.ts';
import { createTimerService } from './timer-service.ts';
import { createTimesheetsService } from './timesheets-service.ts';

export function createTimeService(deps: TimeDeps) {
  const ctx = createContext(deps);
  const checkBudget = createBudgetCheck(ctx, deps.events);
  const entries = createEntriesService(deps, ctx, checkBudget);
  const settings = createSettingsService(deps, ctx);
  return {
    entries,
    timer: createTimerService(deps, ctx, entries, checkBudget),
    settings,
    timesheets: createTimesheetsService(deps, ctx),
    api: createTimeApi(deps, ctx, settings),
  };
}

export type TimeService = ReturnType<typeof createTimeService>;
