// The dashboard subscriptions API's shapes.
import { type Static, Type } from 'typebox';
import { Line, named, Nullable, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const SubscriptionParams = Type.Object({ orgId: Uuid(), subscriptionId: Uuid() });

const Recipients = Type.Array(Uuid(), { minItems: 1, maxItems: 500, uniqueItems: true, description: 'Members of the organization, by user id' });
const Schedule = Line(100, { description: "A cron expression of five fields (minute hour day month weekday), in the organization's time zone" });

const Format = () => Type.Union([Type.Literal('inline'), Type.Literal('pdf'), Type.Literal('csv')]);
export type SubscriptionFormat = Static<ReturnType<typeof Format>>;
const Formats = (opts: { default?: SubscriptionFormat[] } = {}) =>
  Type.Array(Format(), {
    ...opts,
    minItems: 1,
    maxItems: 3,
    uniqueItems: true,
    description:
      'What each mail carries besides the tables of question widgets in its body: `inline` each chart as a picture in the body, `pdf` the dashboard as a PDF attached (as its export makes it), `csv` a CSV file per table',
  });

export const CreateSubscriptionBody = Type.Object(
  {
    dashboardId: Uuid(),
    recipients: Recipients,
    schedule: Schedule,
    skipEmpty: Type.Optional(Type.Boolean({ default: true, description: 'Send nothing to a recipient for whom no question widget has a row' })),
    formats: Type.Optional(Formats({ default: ['inline'] })),
  },
  { additionalProperties: false },
);

export const UpdateSubscriptionBody = Type.Object(
  { recipients: Type.Optional(Recipients), schedule: Type.Optional(Schedule), skipEmpty: Type.Optional(Type.Boolean()), formats: Type.Optional(Formats()) },
  { additionalProperties: false },
);

export const SubscriptionView = named(
  'DashboardSubscription',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    dashboardId: Uuid(),
    recipients: Type.Array(Uuid()),
    schedule: Type.String(),
    skipEmpty: Type.Boolean(),
    formats: Type.Array(Format()),
    ownerId: Uuid(),
    nextRunAt: Timestamp(),
    lastRunAt: Nullable(Timestamp()),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);
export const SubscriptionList = named('DashboardSubscriptionList', Type.Object({ data: Type.Array(SubscriptionView) }));

export const SubscriptionRunView = named(
  'DashboardSubscriptionRun',
  Type.Object({
    sent: Type.Array(Uuid(), { description: 'Recipients mailed' }),
    skipped: Type.Array(Uuid(), { description: 'Recipients whose dashboard was empty (with skipEmpty)' }),
    dropped: Type.Array(Uuid(), { description: 'Recipients who can no longer see the dashboard: no mail, the owner is notified' }),
    failed: Type.Array(Uuid(), { description: 'Recipients whose mail could not be computed or sent (logged); the others were not held up' }),
  }),
);

export const SubscriptionJobResult = named(
  'DashboardSubscriptionsResult',
  Type.Object(
    { runs: Type.Integer({ minimum: 0 }), mails: Type.Integer({ minimum: 0 }), failed: Type.Integer({ minimum: 0, description: 'Runs that failed; tried again at the next tick' }) },
    { description: 'The result of a `dashboards.send_subscriptions` job' },
  ),
);
