// The HTTP contract of the notifications module.
import { Type, type TSchema } from 'typebox';
import { PageInfo, PageQuery } from '../../core/http/pagination.ts';
import { named, Nullable, OneOfKinds, Opaque, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';
import { CATALOG, CHANNELS, NOTIFICATION_TYPES, type NotificationType } from './catalog.ts';

const Uuid = uuid();
const Time = Timestamp();

const typeList = NOTIFICATION_TYPES.map((t) => {
  const d = CATALOG[t].defaults;
  const defaults = CHANNELS.filter((c) => d[c]).join(', ') || 'none';
  return `- \`${t}\`: ${CATALOG[t].description} Default: ${defaults}.`;
}).join('\n');

export const TYPES_DESCRIPTION = `Notification types and the channels on by default:\n\n${typeList}`;

export const NotificationTypeSchema = Type.Unsafe<NotificationType>({ type: 'string', enum: [...NOTIFICATION_TYPES], description: 'Notification type' });

/** The `data` of one notification type: what a client needs to act on it without another call. */
const dataOf = <P extends Record<string, TSchema>>(name: string, type: NotificationType, properties: P) =>
  named(name, Type.Object(properties, { description: `The data of a notification of type \`${type}\`` }));

const OrgName = Type.String({ description: 'The organization name when the notification was made' });
const Ip = Nullable(Type.String({ description: 'The address the change came from' }));

export const NotificationDataKinds = [
  dataOf('InvitationReceivedData', 'invitation_received', { orgId: Uuid, orgName: OrgName, invitationId: Uuid, role: Type.String(), invitedBy: uuid('The inviter') }),
  dataOf('MemberAddedData', 'member_added', { orgId: Uuid, orgName: OrgName, role: Type.String(), via: Type.String({ description: '`creation`, `invitation` or `override`' }) }),
  dataOf('WebhookDisabledData', 'webhook_disabled', { orgId: Uuid, orgName: OrgName, endpointId: Uuid, url: Type.String(), reason: Type.String({ description: 'Why deliveries stopped' }) }),
  dataOf('ExportReadyData', 'export_ready', {
    orgId: Nullable(Uuid),
    jobId: Uuid,
    fileName: Type.String(),
    job: Type.String({ description: 'The job to read for the download link: /api/v1/jobs/{jobId}' }),
  }),
  dataOf('PasswordChangedData', 'password_changed', { via: Type.String({ description: '`change` or `reset`' }), ip: Ip }),
  dataOf('NewSignInData', 'new_sign_in', { sessionId: Uuid, method: Type.String({ description: 'How the session signed in (`password`, `otp`, …)' }), ip: Ip, device: Type.String({ description: 'Browser and system, e.g. Firefox on Linux' }) }),
];

export const NotificationData = named(
  'NotificationData',
  OneOfKinds(NotificationDataKinds, 'Facts of the notification, one shape per `type` (each shape names its type): ids, names, links'),
);

export const Notification = named(
  'Notification',
  Type.Object({
    id: Uuid,
    type: NotificationTypeSchema,
    title: Type.String(),
    body: Type.String(),
    orgId: Nullable(Uuid),
    data: NotificationData,
    read: Type.Boolean(),
    readAt: Nullable(Time),
    createdAt: Time,
  }),
);

export const ListQuery = Type.Object({
  ...PageQuery,
  unread: Type.Optional(Type.Boolean({ description: 'Only unread notifications' })),
});

/** A page as `pageOf` makes it, with the unread count beside it. */
export const NotificationPage = named(
  'NotificationPage',
  Type.Object({
    data: Type.Array(Notification),
    page: PageInfo,
    unreadCount: Type.Integer({ minimum: 0, description: 'Unread in-app notifications in total (not only on this page)' }),
  }),
);

export const IdParams = Type.Object({ id: Uuid });

const Switch = Type.Boolean();
const ChannelSwitches = named('NotificationChannels', Type.Object({ in_app: Switch, email: Switch, sms: Switch }));
const TypeMap = <T extends ReturnType<typeof Type.Object>>(value: T, optional: boolean) =>
  Type.Object(
    Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, optional ? Type.Optional(value) : value])) as Record<string, T>,
    // Listed here so a misspelt type or channel is a 400, not silently dropped.
    { propertyNames: { enum: [...NOTIFICATION_TYPES] } },
  );

const phoneNumber = (description: string) => Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description, examples: ['+41791234567'] });
export const PhoneNumber = phoneNumber('E.164, e.g. +41791234567');

const ChannelsByType = named('NotificationChannelsByType', TypeMap(ChannelSwitches, false));

export const Preferences = named(
  'NotificationPreferences',
  Type.Object({
    types: ChannelsByType,
    defaults: ChannelsByType,
    phoneNumber: Nullable(PhoneNumber),
  }),
);

const ChannelPatch = Type.Object(
  { in_app: Type.Optional(Switch), email: Type.Optional(Switch), sms: Type.Optional(Switch) },
  { propertyNames: { enum: [...CHANNELS] } },
);

export const PreferencesBody = Type.Object({
  types: Type.Optional(TypeMap(ChannelPatch, true)),
  phoneNumber: Type.Optional(Nullable(phoneNumber('E.164, e.g. +41791234567; null removes the number'))),
});

/** The result of a `notifications.deliver` job. */
export const DeliveryResult = named(
  'NotificationDeliveryResult',
  Type.Object(
    { recipients: Type.Integer({ minimum: 0, description: 'Users notified (0: nobody is to be notified any more)' }) },
    { description: 'The result of a `notifications.deliver` job' },
  ),
);

export const StreamQuery = Type.Object({
  ticket: Type.Optional(Opaque(200, { description: 'A ticket from POST /stream/tickets (for EventSource, which cannot send headers)' })),
  lastEventId: Type.Optional(uuid('Resume after this notification id (same as the Last-Event-ID header)')),
});

export const StreamTicket = named(
  'StreamTicket',
  Type.Object({
    ticket: Type.String(),
    expiresIn: Type.Integer({ description: 'Seconds the ticket stays valid; it works once' }),
  }),
);

export const StreamResponse = {
  description: 'An endless text/event-stream',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};
