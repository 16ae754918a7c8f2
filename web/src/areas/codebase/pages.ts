// The codebase area's pages: one chunk (with highlight.js and its theme), loaded on first visit.
import './codebase.css';
import './highlight.css';

export { CodeChat } from './CodeChat';
export { Docs } from './Docs';
export { Files } from './Files';
export { CodebaseProjects } from './Projects';
export { Search } from './Search';
export { Upload } from './Upload';
