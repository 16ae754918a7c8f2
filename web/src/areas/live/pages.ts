// The live area's pages: one chunk, loaded when one of its routes is first visited.
export { Inbox } from './Inbox';
