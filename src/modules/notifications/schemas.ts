// The HTTP contract of the notifications module.
import { Type } from 'typebox';
import { PageInfo, PageQuery } from '../../core/http/pagination.ts';
import { named, Nullable, Opaque, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';
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

export const Notification = named(
  'Notification',
  Type.Object({
    id: Uuid,
    type: NotificationTypeSchema,
    title: Type.String(),
    body: Type.String(),
    orgId: Nullable(Uuid),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'Facts of this type: ids, names, links (see the docs per type)' }),
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
