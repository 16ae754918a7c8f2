// The notifications auth's events raise (decision 0035): security notices to the account's
// owner. Email is on by default for both: whoever did not do it may not be looking at the app,
// and should act at once.
import { Type } from 'typebox';
import { Nullable, Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';
import { accounts } from './repository.ts';
import { deviceFingerprint, deviceInWords, isNewDeviceAlert, knownDevices } from './sign-in-devices.ts';

const Ip = Nullable(Type.String({ description: 'The address the change came from' }));
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

const passwordChanged = notificationKind({
  type: 'password_changed',
  description: 'Your password was changed or reset (security notice).',
  defaults: ['in_app', 'email'],
  event: 'auth.password_changed',
  data: { name: 'PasswordChangedData', properties: { via: Type.String({ description: '`change` or `reset`' }), ip: Ip } },
});

const newSignIn = notificationKind({
  type: 'new_sign_in',
  description: 'Someone signed in to your account from a device not seen before (security notice).',
  defaults: ['in_app', 'email'],
  event: 'auth.logged_in',
  data: {
    name: 'NewSignInData',
    properties: {
      sessionId: Uuid(),
      method: Type.String({ description: 'How the session signed in (`password`, `otp`, …)' }),
      ip: Ip,
      device: Type.String({ description: 'Browser and system, e.g. Firefox on Linux' }),
    },
  },
});

export const authNotifications: NotificationContribution = {
  kinds: [passwordChanged, newSignIn],
  setup: (core) => [
    passwordChanged.handle({
      trigger: (e) => ({ userId: e.payload.userId, via: e.payload.via, at: e.occurredAt.toISOString(), ip: e.ip, userAgent: e.userAgent }),
      async compose(f) {
        const verb = f.via === 'reset' ? 'reset' : 'changed';
        return {
          recipients: [f.userId],
          orgId: null,
          title: `Your password was ${verb}`,
          body: `The password of your Trellis account was ${verb}. If this was not you, reset your password right away and review your active sessions.`,
          data: { via: f.via, ip: f.ip },
          details: [
            ['When', when(f.at)],
            ['IP address', f.ip ?? 'unknown'],
            ['Device', deviceInWords(f.userAgent)],
          ],
        };
      },
    }),

    newSignIn.handle({
      // The sighting is recorded here, in the delivery's transaction: a redelivered event finds
      // the delivery recorded and never alerts twice, and a failed enqueue rolls the sighting
      // back with it. A deleted account (it may have signed in just before) records nothing.
      async trigger(e, { db }) {
        const { userId, sessionId, method } = e.payload;
        const account = await accounts.byId(db, userId);
        if (!account || account.status === 'deleted') return null;
        const ip = e.payload.ip ?? e.ip;
        const known = await knownDevices.count(db, userId);
        const isNew = await knownDevices.see(db, userId, deviceFingerprint(e.userAgent, ip), core.clock.now());
        if (!isNewDeviceAlert(known, !isNew)) return null;
        return { userId, sessionId, method, at: e.occurredAt.toISOString(), ip, userAgent: e.userAgent };
      },
      async compose(f) {
        const device = deviceInWords(f.userAgent);
        return {
          recipients: [f.userId],
          orgId: null,
          title: 'New sign-in from a new device',
          body: `Your account was signed in from ${device}${f.ip ? ` (${f.ip})` : ''}. If this was not you, change your password and end that session.`,
          data: { sessionId: f.sessionId, method: f.method, ip: f.ip, device },
          details: [
            ['When', when(f.at)],
            ['IP address', f.ip ?? 'unknown'],
            ['Device', device],
          ],
        };
      },
    }),
  ],
};
