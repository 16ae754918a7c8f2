// The dashboards module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const DashboardsProblems = {
  notFound: defineProblem('not_found', 'DASHBOARDS.NOT_FOUND', 'No such dashboard in this organization, or not visible to the caller.'),
  collectionNotFound: defineProblem('not_found', 'DASHBOARDS.COLLECTION_NOT_FOUND', 'No such collection in this organization, or not visible to the caller.'),
  collectionNameTaken: defineProblem('conflict', 'DASHBOARDS.COLLECTION_NAME_TAKEN', 'Another collection of this organization has this name.'),
  collectionNotEmpty: defineProblem('conflict', 'DASHBOARDS.COLLECTION_NOT_EMPTY', 'The collection still holds dashboards: move or delete them first.'),
  shareNotFound: defineProblem('not_found', 'DASHBOARDS.SHARE_NOT_FOUND', 'No such share link, or it expired, was revoked, or its creator lost access.'),
  chartsUnavailable: defineProblem('unavailable', 'DASHBOARDS.CHARTS_UNAVAILABLE', 'Charts are not available on this server yet.'),
  widgetFailed: defineProblem('internal', 'DASHBOARDS.WIDGET_FAILED', 'A widget could not be computed; the detail is hidden.'),
};
