// The HTTP contract of the notifications module. What lists the notification types (their
// enum, their data shapes, the preferences' keys) is made from the catalog at setup, since the
// types are whatever the producing modules declare (decision 0035).
import { Type } from 'typebox';
import { PageInfo, PageQuery } from '../../core/http/pagination.ts';
import { named, Nullable, OneOfKinds, Opaque, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';
import { CHANNELS, type Catalog } from './catalog.ts';

const Uuid = uuid();
const Time = Timestamp();

export const ListQuery = Type.Object({
  ...PageQuery,
  unread: Type.Optional(Type.Boolean({ description: 'Only unread notifications' })),
});

export const IdParams = Type.Object({ id: Uuid });

const Switch = Type.Boolean();
const ChannelSwitches = named('NotificationChannels', Type.Object({ in_app: Switch, email: Switch, sms: Switch }));

const phoneNumber = (description: string) => Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description, examples: ['+41791234567'] });
export const PhoneNumber = phoneNumber('E.164, e.g. +41791234567');

const ChannelPatch = Type.Object(
  { in_app: Type.Optional(Switch), email: Type.Optional(Switch), sms: Type.Optional(Switch) },
  { propertyNames: { enum: [...CHANNELS] } },
);

export function notificationSchemas(catalog: Catalog) {
  const types = [...catalog.types];
  const typeList = types
    .map((t) => {
      const d = catalog.defaults(t);
      const defaults = CHANNELS.filter((c) => d[c]).join(', ') || 'none';
      return `- \`${t}\`: ${catalog.description(t)} Default: ${defaults}.`;
    })
    .join('\n');
  const TYPES_DESCRIPTION = `Notification types and the channels on by default:\n\n${typeList}`;

  const NotificationType = Type.Unsafe<string>({ type: 'string', enum: types, description: 'Notification type' });

  const NotificationData = named(
    'NotificationData',
    OneOfKinds(
      catalog.kinds.map((k) => k.data),
      'Facts of the notification, one shape per `type` (each shape names its type): ids, names, links',
    ),
  );

  const Notification = named(
    'Notification',
    Type.Object({
      id: Uuid,
      type: NotificationType,
      title: Type.String(),
      body: Type.String(),
      orgId: Nullable(Uuid),
      data: NotificationData,
      read: Type.Boolean(),
      readAt: Nullable(Time),
      createdAt: Time,
    }),
  );

  /** A page as `pageOf` makes it, with the unread count beside it. */
  const NotificationPage = named(
    'NotificationPage',
    Type.Object({
      data: Type.Array(Notification),
      page: PageInfo,
      unreadCount: Type.Integer({ minimum: 0, description: 'Unread in-app notifications in total (not only on this page)' }),
    }),
  );

  const TypeMap = <T extends ReturnType<typeof Type.Object>>(value: T, optional: boolean) =>
    Type.Object(
      Object.fromEntries(types.map((t) => [t, optional ? Type.Optional(value) : value])) as Record<string, T>,
      // Listed here so a misspelt type or channel is a 400, not silently dropped.
      { propertyNames: { enum: types } },
    );

  const ChannelsByType = named('NotificationChannelsByType', TypeMap(ChannelSwitches, false));

  const Preferences = named(
    'NotificationPreferences',
    Type.Object({
      types: ChannelsByType,
      defaults: ChannelsByType,
      phoneNumber: Nullable(PhoneNumber),
    }),
  );

  const PreferencesBody = Type.Object({
    types: Type.Optional(TypeMap(ChannelPatch, true)),
    phoneNumber: Type.Optional(Nullable(phoneNumber('E.164, e.g. +41791234567; null removes the number'))),
  });

  return { TYPES_DESCRIPTION, Notification, NotificationPage, Preferences, PreferencesBody };
}

export type NotificationSchemas = ReturnType<typeof notificationSchemas>;

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
