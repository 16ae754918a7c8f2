// The visualizations module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

export const VisualizationsProblems = {
  chartNotFound: defineProblem('not_found', 'VISUALIZATIONS.CHART_NOT_FOUND', 'No such chart in this organization.'),
  questionNotFound: defineProblem('not_found', 'VISUALIZATIONS.QUESTION_NOT_FOUND', 'The chart names no saved question of this organization.'),
  notYourChart: defineProblem('forbidden', 'VISUALIZATIONS.NOT_YOUR_CHART', 'Only its author or an org admin may change or delete a chart.'),
  encodingRequired: defineProblem('validation', 'VISUALIZATIONS.ENCODING_REQUIRED', 'This type of chart needs more of its encoding (or options): `detail` names what is missing.', {
    extensions: { missing: Type.Array(Type.String(), { description: 'The encoding channels or options missing, `encoding.y`, `options.goal`' }) },
  }),
  unknownColumn: defineProblem('unprocessable', 'VISUALIZATIONS.UNKNOWN_COLUMN', "The chart names a column its question's result does not have (the question changed?).", {
    extensions: { column: Type.String(), columns: Type.Array(Type.String(), { description: 'The columns the result has' }) },
  }),
  columnNotNumeric: defineProblem('unprocessable', 'VISUALIZATIONS.COLUMN_NOT_NUMERIC', 'This channel needs a numeric column and the result column is not one.', {
    extensions: { column: Type.String() },
  }),
};
