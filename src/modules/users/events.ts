export interface UsersEvents {
  'users.profile_updated': { userId: string; fields: string[] };
  'users.deleted': { userId: string };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends UsersEvents {}
}
