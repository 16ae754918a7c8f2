// The analytics module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const AnalyticsProblems = {
  itemNotFound: defineProblem('not_found', 'ANALYTICS.ITEM_NOT_FOUND', 'No such item in this organization.'),
  nameTaken: defineProblem('conflict', 'ANALYTICS.NAME_TAKEN', 'Another item of this organization has this name.'),
};
