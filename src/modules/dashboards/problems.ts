// The dashboards module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const DashboardsProblems = {
  itemNotFound: defineProblem('not_found', 'DASHBOARDS.ITEM_NOT_FOUND', 'No such item in this organization.'),
  nameTaken: defineProblem('conflict', 'DASHBOARDS.NAME_TAKEN', 'Another item of this organization has this name.'),
};
