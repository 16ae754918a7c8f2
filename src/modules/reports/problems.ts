// The reports module's problems (decision 0028): each code once. Services throw them with
// `.error()`; routes list the ones they can answer (`config.problems`), with the organizations'
// and projects' codes the façades answer (ORG.NOT_FOUND, PROJECTS.NOT_FOUND).
import { defineProblem } from '../../core/errors.ts';

export const ReportProblems = {
  rangeTooLong: defineProblem('validation', 'REPORTS.RANGE_TOO_LONG', 'The period is longer than a report may cover (366 days): `errors` names the `to` field; ask for a shorter period.'),
  fileNotFound: defineProblem(
    'not_found',
    'REPORTS.FILE_NOT_FOUND',
    'No such report file for you in this organization: its job has not finished, failed, was asked by someone else, or the file is older than a day.',
  ),
};
