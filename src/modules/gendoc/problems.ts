// The gendoc module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const GendocProblems = {
  templateNotFound: defineProblem('not_found', 'GENDOC.TEMPLATE_NOT_FOUND', 'No such documentation template in this organization.'),
  /** Thrown with `errors`: each fault as {field, message}, like VALIDATION_FAILED. */
  templateInvalid: defineProblem('unprocessable', 'GENDOC.TEMPLATE_INVALID', 'The template is not valid (`errors` lists each fault): an unknown placeholder, a variable without a value, a page kind without content.'),
  nameTaken: defineProblem('conflict', 'GENDOC.NAME_TAKEN', 'Another template of this organization has this name.'),
  builtinTemplate: defineProblem('conflict', 'GENDOC.BUILTIN_TEMPLATE', 'A built-in template cannot be changed or deleted: copy it into a template of your own.'),
  runNotFound: defineProblem('not_found', 'GENDOC.RUN_NOT_FOUND', 'No such documentation run in this project.'),
  outputNotReady: defineProblem('conflict', 'GENDOC.OUTPUT_NOT_READY', 'The run has not made this format (yet): it is still running, failed, or was not asked for it.'),
};
