// The data area's pages: one chunk (with its stylesheet and the virtualizer), loaded when one
// of its routes is first visited.
import './data.css';

export { DataSourcePage } from './DataSourcePage';
export { DataSources } from './DataSources';
export { QueryPage } from './QueryPage';
export { QuestionPage } from './QuestionPage';
export { Questions } from './Questions';
