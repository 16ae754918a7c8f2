// The time area's pages: one chunk, loaded when one of its routes is first visited.
export { Reports } from './Reports';
export { Timesheets } from './Timesheets';
export { Week } from './Week';
