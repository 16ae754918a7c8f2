// What a refused entry says beyond the code's sentence: which entries it overlaps (their times),
// from when time is open again (the lock date), which approved period holds it.
import { type Problem, problemMessage } from '../../api/problem';
import { dayLabel, hm, ymd } from './week';

interface Extras {
  clashes?: { start: string; end: string | null }[];
  lockDate?: string;
  period?: string;
}

export function entryProblemText(problem: Problem): string {
  const extra = problem as Problem & Extras;
  const base = problemMessage(problem);
  if (problem.code === 'TIME.ENTRY_OVERLAP' && extra.clashes?.length) {
    const times = extra.clashes.map((c) => `${hm(c.start)}–${c.end ? hm(c.end) : 'now (the running timer)'} on ${dayLabel(ymd(new Date(c.start)))}`);
    return `${base} It overlaps ${times.join(', ')}.`;
  }
  if (problem.code === 'TIME.LOCKED' && extra.lockDate) return `${base} Time is open from ${extra.lockDate} on.`;
  if (problem.code === 'TIME.PERIOD_APPROVED' && extra.period) return `${base} (${extra.period})`;
  return base;
}
