// Delivers one notification to one user on the channels their preferences allow. The row
// is keyed by (event, user): a repeated delivery finds it and only finishes the channels
// still `pending`, so a retried job neither duplicates the in-app entry nor mails twice
// (the mail's idempotency key is the notification id as well).
import { uuidv7 } from 'uuidv7';
import type { CoreDeps } from '../../core/module.ts';
import type { Notice, Recipient } from '../../core/notifications/kinds.ts';
import type { AccountView, AuthApi } from '../auth/index.ts';
import type { Catalog } from './catalog.ts';
import { notificationMail } from './mail.ts';
import { effectiveSwitches } from './preferences.ts';
import { type NotificationRow, notifications, preferences } from './repository.ts';
import { SmsError, type SmsProvider } from './sms/index.ts';
import { notificationMessage } from './views.ts';

/** Longer texts are split into several billed segments by carriers. */
const SMS_MAX = 300;

/** What every recipient of one notification reads: the notice of a kind, without its recipients. */
export type Content = Omit<Notice, 'recipients'> & { type: string };

export interface DeliveryDeps {
  core: Pick<CoreDeps, 'db' | 'log' | 'mailer' | 'realtime' | 'config'>;
  auth: AuthApi;
  sms: SmsProvider;
  catalog: Catalog;
}

export function createDelivery({ core, auth, sms, catalog }: DeliveryDeps) {
  const { db, log, mailer, realtime, config } = core;
  const preferencesUrl = `${config.publicUrl.replace(/\/$/, '')}/settings/notifications`;

  /** Creates the row (once) and pushes it to the user's open streams. */
  async function record(eventId: string, userId: string, content: Content): Promise<NotificationRow | null> {
    const existing = await notifications.byEvent(db, eventId, userId);
    if (existing) return existing;
    const prefs = await preferences.get(db, userId);
    const allowed = effectiveSwitches(catalog, prefs?.switches)[content.type];
    const narrowed = content.channels;
    const on = narrowed ? { in_app: allowed.in_app && narrowed.includes('in_app'), email: allowed.email && narrowed.includes('email'), sms: allowed.sms && narrowed.includes('sms') } : allowed;
    const sms = on.sms && !!prefs?.phone_number;
    if (!on.in_app && !on.email && !sms) return null;
    const inserted = await notifications.insert(db, {
      id: uuidv7(),
      user_id: userId,
      event_id: eventId,
      type: content.type,
      org_id: content.orgId,
      title: content.title,
      body: content.body,
      data: content.data as Record<string, unknown>,
      in_app: on.in_app,
      email_state: on.email ? 'pending' : 'off',
      sms_state: sms ? 'pending' : 'off',
    });
    // A concurrent delivery of the same event won the insert: its row is the one.
    if (!inserted) return (await notifications.byEvent(db, eventId, userId)) ?? null;
    if (inserted.in_app) await realtime.publish(userId, notificationMessage(inserted));
    return inserted;
  }

  async function sendEmail(row: NotificationRow, account: AccountView, content: Content, finalAttempt: boolean) {
    if (account.status !== 'active') {
      await notifications.setChannelState(db, row.id, 'email', 'skipped');
      return;
    }
    const mail = notificationMail({ title: row.title, body: row.body, details: content.details, preferencesUrl });
    try {
      await mailer.send({ to: account.email, ...mail, idempotencyKey: `notification-${row.id}-email` });
    } catch (err) {
      if (!finalAttempt) throw err;
      log.error({ notificationId: row.id, err: (err as Error).message }, 'notification email failed for good');
      await notifications.setChannelState(db, row.id, 'email', 'failed');
      return;
    }
    await notifications.setChannelState(db, row.id, 'email', 'sent');
  }

  async function sendSms(row: NotificationRow, finalAttempt: boolean) {
    // The number as it is now: one removed since the notification was made is not texted.
    const phone = (await preferences.get(db, row.user_id))?.phone_number;
    if (!phone) {
      await notifications.setChannelState(db, row.id, 'sms', 'skipped');
      return;
    }
    const text = `Trellis: ${row.title}. ${row.body}`;
    try {
      await sms.send({ to: phone, body: text.length > SMS_MAX ? `${text.slice(0, SMS_MAX - 1)}…` : text });
    } catch (err) {
      const permanent = err instanceof SmsError && err.permanent;
      if (!permanent && !finalAttempt) throw err;
      log.warn({ notificationId: row.id, provider: sms.name, err: (err as Error).message }, 'notification SMS not sent');
      await notifications.setChannelState(db, row.id, 'sms', 'failed');
      return;
    }
    await notifications.setChannelState(db, row.id, 'sms', 'sent');
  }

  /**
   * The accounts behind the recipients, once each. A deleted account gets nothing (its data was
   * just erased); a disabled one keeps its inbox. An address counts only with an active account:
   * whoever holds a disabled one has not shown they still own the address.
   */
  async function accountsOf(recipients: readonly Recipient[]): Promise<AccountView[]> {
    const found = new Map<string, AccountView>();
    for (const r of recipients) {
      const account = typeof r === 'string' ? await auth.getAccount(r) : await auth.getAccountByEmail(r.email);
      if (!account || account.status === 'deleted' || (typeof r !== 'string' && account.status !== 'active')) continue;
      found.set(account.id, account);
    }
    return [...found.values()];
  }

  /**
   * Notifies every recipient and answers how many there were; one recipient's failing channel
   * does not hold back the others. Throws (so the job is retried) when a channel failed and may
   * work later.
   */
  async function deliver(eventId: string, recipients: readonly Recipient[], content: Content, opts: { finalAttempt: boolean }): Promise<number> {
    const accounts = await accountsOf(recipients);
    const errors: string[] = [];
    for (const account of accounts) {
      try {
        const row = await record(eventId, account.id, content);
        if (row?.email_state === 'pending') await sendEmail(row, account, content, opts.finalAttempt);
        if (row?.sms_state === 'pending') await sendSms(row, opts.finalAttempt);
      } catch (err) {
        errors.push(`${account.id}: ${(err as Error).message}`);
      }
    }
    if (errors.length) throw new Error(`notification delivery incomplete: ${errors.join('; ')}`);
    return accounts.length;
  }

  return { deliver };
}

export type Delivery = ReturnType<typeof createDelivery>;
