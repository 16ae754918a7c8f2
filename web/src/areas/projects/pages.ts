// The projects area's pages: one chunk, loaded when one of its routes is first visited.
export { ProjectDetail } from './ProjectDetail';
export { ProjectList } from './ProjectList';
