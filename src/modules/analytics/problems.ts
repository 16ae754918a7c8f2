// The analytics module's problems (decision 0028): thrown with `.error()`, listed on routes. The
// query problems (refused by the guard, failed on the source) are data_sources', re-exported here.
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

export const AnalyticsProblems = {
  questionNotFound: defineProblem('not_found', 'ANALYTICS.QUESTION_NOT_FOUND', 'No such saved question in this organization.'),
  runNotFound: defineProblem('not_found', 'ANALYTICS.RUN_NOT_FOUND', 'No such run in your history.'),
  sourceNotFound: defineProblem('not_found', 'ANALYTICS.SOURCE_NOT_FOUND', 'No such data source in this organization.'),
  notYourQuestion: defineProblem('forbidden', 'ANALYTICS.NOT_YOUR_QUESTION', 'Only its author or an org admin may change or delete a saved question.'),
  verifyNeedsAdmin: defineProblem('forbidden', 'ANALYTICS.VERIFY_NEEDS_ADMIN', 'Only an org admin may mark a question verified.'),
  alertNotFound: defineProblem('not_found', 'ANALYTICS.ALERT_NOT_FOUND', 'No such alert in this organization (or it is not yours).'),
  alertSchedule: defineProblem('validation', 'ANALYTICS.ALERT_SCHEDULE', 'The schedule is not a cron expression of five fields (minute hour day month weekday), or never runs.'),
  profileTarget: defineProblem('validation', 'ANALYTICS.PROFILE_TARGET', 'Profile exactly one thing: a `table` of `dataSourceId`, an `sql` on `dataSourceId`, or a `questionId`.'),
  notAnswerable: defineProblem(
    'unprocessable',
    'ANALYTICS.NOT_ANSWERABLE',
    'The model could not write an acceptable query for the question (after one repair): `detail` says why, and `sql` shows its last attempt, which did not run.',
    { extensions: { sql: Type.String({ description: 'The model\'s last SQL (not run)' }), reason: Type.String({ description: 'The rule it broke or the source\'s error' }) } },
  ),
};
