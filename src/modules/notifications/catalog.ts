// The notification types, the channels, and what each type sends by default. Users only
// store the switches they change (preferences.ts merges them over these defaults).

export const CHANNELS = ['in_app', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const NOTIFICATION_TYPES = ['invitation_received', 'member_added', 'webhook_disabled', 'export_ready', 'password_changed', 'new_sign_in'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export type ChannelSwitches = Record<Channel, boolean>;

interface TypeInfo {
  description: string;
  defaults: ChannelSwitches;
}

const on = (email: boolean): ChannelSwitches => ({ in_app: true, email, sms: false });

/**
 * Email is on by default where the user may not be looking at the app and should act:
 * security notices and a disabled webhook. The invitation already comes by mail from the
 * organizations module, so its in-app copy does not mail again. SMS is off everywhere
 * until the user adds a phone number and opts in.
 */
export const CATALOG: Record<NotificationType, TypeInfo> = {
  invitation_received: { description: 'Someone invited you to an organization.', defaults: on(false) },
  member_added: { description: 'You were added to an organization (by an invitation you accepted or by an admin).', defaults: on(false) },
  webhook_disabled: { description: 'A webhook endpoint of an organization you administer was disabled after failing deliveries.', defaults: on(true) },
  export_ready: { description: 'An export you asked for is ready to download.', defaults: on(false) },
  password_changed: { description: 'Your password was changed or reset (security notice).', defaults: on(true) },
  new_sign_in: { description: 'Someone signed in to your account from a device not seen before (security notice).', defaults: on(true) },
};

export const isNotificationType = (value: string): value is NotificationType => (NOTIFICATION_TYPES as readonly string[]).includes(value);
export const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value);
