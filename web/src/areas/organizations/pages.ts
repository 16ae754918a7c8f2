// The organizations area's pages: one chunk, loaded when one of its routes is first visited.
export { AcceptInvitation } from './AcceptInvitation';
