// The visualizations module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const VisualizationsProblems = {
  itemNotFound: defineProblem('not_found', 'VISUALIZATIONS.ITEM_NOT_FOUND', 'No such item in this organization.'),
  nameTaken: defineProblem('conflict', 'VISUALIZATIONS.NAME_TAKEN', 'Another item of this organization has this name.'),
};
