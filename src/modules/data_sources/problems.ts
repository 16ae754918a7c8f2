// The data_sources module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const DataSourcesProblems = {
  itemNotFound: defineProblem('not_found', 'DATA_SOURCES.ITEM_NOT_FOUND', 'No such item in this organization.'),
  nameTaken: defineProblem('conflict', 'DATA_SOURCES.NAME_TAKEN', 'Another item of this organization has this name.'),
};
