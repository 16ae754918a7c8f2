// The organizations module's problems (decision 0028): thrown with `.error()`, listed on routes.
// Other modules' routes list `OrgProblems.notFound` too: every org-scoped request passes the
// role check, which answers it for an org the caller cannot see.
import { defineProblem } from '../../core/errors.ts';

export const OrgProblems = {
  notFound: defineProblem('not_found', 'ORG.NOT_FOUND', 'No such organization, or you are not a member of it.'),
};
