// Events the notifications module publishes. The phone number itself never travels in an
// event: only that it changed.
export interface NotificationsEvents {
  'notifications.preferences_updated': { userId: string; types: string[]; phoneNumberChanged: boolean };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends NotificationsEvents {}
}
