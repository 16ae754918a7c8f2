// The projects module's problems (decision 0028): thrown with `.error()`, listed on routes.
// Other modules' routes that write into a project list `ProjectProblems.notFound` too.
import { defineProblem } from '../../core/errors.ts';

export const ProjectProblems = {
  notFound: defineProblem('not_found', 'PROJECTS.NOT_FOUND', 'No such project in this organization, or not visible to you.'),
};
