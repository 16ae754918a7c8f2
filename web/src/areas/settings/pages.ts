// The settings area's pages: one chunk, loaded when one of its routes is first visited.
export { NotificationSettings } from './NotificationSettings';
