// From a trigger (the facts of one event, as the subscriber recorded them) to who is
// notified and what they read. This runs in the delivery job, outside any transaction,
// so it may ask the peers' façades: the account behind an invited address, an org's
// name, its admins.
import type { AuthApi } from '../auth/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { Static } from 'typebox';
import type { NotificationType } from './catalog.ts';
import type { NotificationData } from './schemas.ts';

export type Trigger =
  | { kind: 'invitation_received'; eventId: string; orgId: string; invitationId: string; email: string; role: string; invitedBy: string }
  | { kind: 'member_added'; eventId: string; orgId: string; userId: string; role: string; via: string }
  | { kind: 'webhook_disabled'; eventId: string; orgId: string; endpointId: string; url: string; reason: string }
  | { kind: 'export_ready'; eventId: string; orgId: string | null; userId: string; jobId: string; fileName: string }
  | { kind: 'password_changed'; eventId: string; userId: string; via: string; at: string; ip: string | null; userAgent: string | null }
  | { kind: 'new_sign_in'; eventId: string; userId: string; sessionId: string; method: string; at: string; ip: string | null; userAgent: string | null };

export interface Content {
  type: NotificationType;
  orgId: string | null;
  title: string;
  body: string;
  data: Static<typeof NotificationData>;
  /** Shown in the email under the body. */
  details?: [string, string][];
}

export interface Composed {
  recipients: string[];
  content: Content;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** "Firefox on Linux": enough for a person to recognise the device, without a UA database. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'an unknown device';
  const browser =
    [
      ['Edge', /Edg(?:e|A|iOS)?\//],
      ['Opera', /OPR\//],
      ['Firefox', /Firefox\//],
      ['Chrome', /Chrome\/|CriOS\//],
      ['Safari', /Safari\//],
    ].find(([, re]) => (re as RegExp).test(userAgent))?.[0] ?? null;
  const os =
    [
      ['Android', /Android/],
      ['iOS', /iPhone|iPad|iPod/],
      ['Windows', /Windows/],
      ['macOS', /Mac OS X|Macintosh/],
      ['ChromeOS', /CrOS/],
      ['Linux', /Linux/],
    ].find(([, re]) => (re as RegExp).test(userAgent))?.[0] ?? null;
  if (browser && os) return `${browser} on ${os}`;
  if (browser || os) return (browser ?? os) as string;
  // A client that is not a browser (curl, an app): its first product token.
  return userAgent.split(/[\s;(]/)[0].slice(0, 60) || 'an unknown device';
}

export function createComposer(peers: { auth: AuthApi; organizations: OrganizationsApi }) {
  const { auth, organizations } = peers;

  const orgName = async (orgId: string | null) => (orgId ? ((await organizations.getOrganization(orgId))?.name ?? null) : null);

  /** Null when nobody is to be notified any more (the org was deleted, the address has no account). */
  async function compose(t: Trigger): Promise<Composed | null> {
    switch (t.kind) {
      case 'invitation_received': {
        const account = await auth.getAccountByEmail(t.email);
        const name = await orgName(t.orgId);
        if (account?.status !== 'active' || !name) return null;
        const inviter = (await auth.getAccount(t.invitedBy))?.email ?? 'Someone';
        return {
          recipients: [account.id],
          content: {
            type: 'invitation_received',
            orgId: t.orgId,
            title: `You were invited to ${name}`,
            body: `${inviter} invited you to join ${name} as ${article(t.role)} ${t.role}. Accept it with the link in the invitation email.`,
            data: { orgId: t.orgId, orgName: name, invitationId: t.invitationId, role: t.role, invitedBy: t.invitedBy },
          },
        };
      }
      case 'member_added': {
        const name = await orgName(t.orgId);
        if (!name) return null;
        return {
          recipients: [t.userId],
          content: {
            type: 'member_added',
            orgId: t.orgId,
            title: `You were added to ${name}`,
            body: `You are now ${article(t.role)} ${t.role} of ${name}.`,
            data: { orgId: t.orgId, orgName: name, role: t.role, via: t.via },
          },
        };
      }
      case 'webhook_disabled': {
        const name = await orgName(t.orgId);
        if (!name) return null;
        const admins = (await organizations.listMembers(t.orgId)).filter((m) => organizations.roleAtLeast(m.role, 'admin')).map((m) => m.userId);
        return {
          recipients: admins,
          content: {
            type: 'webhook_disabled',
            orgId: t.orgId,
            title: `A webhook of ${name} was disabled`,
            body: `Deliveries to ${t.url} stopped: ${t.reason}. Fix the receiving end, then enable the endpoint again.`,
            data: { orgId: t.orgId, orgName: name, endpointId: t.endpointId, url: t.url, reason: t.reason },
            details: [
              ['Endpoint', t.url],
              ['Reason', t.reason],
            ],
          },
        };
      }
      case 'export_ready':
        return {
          recipients: [t.userId],
          content: {
            type: 'export_ready',
            orgId: t.orgId,
            title: 'Your export is ready',
            body: `${t.fileName} is ready to download.`,
            data: { orgId: t.orgId, jobId: t.jobId, fileName: t.fileName, job: `/api/v1/jobs/${t.jobId}` },
          },
        };
      case 'password_changed': {
        const verb = t.via === 'reset' ? 'reset' : 'changed';
        return {
          recipients: [t.userId],
          content: {
            type: 'password_changed',
            orgId: null,
            title: `Your password was ${verb}`,
            body: `The password of your Trellis account was ${verb}. If this was not you, reset your password right away and review your active sessions.`,
            data: { via: t.via, ip: t.ip },
            details: [
              ['When', when(t.at)],
              ['IP address', t.ip ?? 'unknown'],
              ['Device', describeDevice(t.userAgent)],
            ],
          },
        };
      }
      case 'new_sign_in': {
        const device = describeDevice(t.userAgent);
        return {
          recipients: [t.userId],
          content: {
            type: 'new_sign_in',
            orgId: null,
            title: 'New sign-in from a new device',
            body: `Your account was signed in from ${device}${t.ip ? ` (${t.ip})` : ''}. If this was not you, change your password and end that session.`,
            data: { sessionId: t.sessionId, method: t.method, ip: t.ip, device },
            details: [
              ['When', when(t.at)],
              ['IP address', t.ip ?? 'unknown'],
              ['Device', device],
            ],
          },
        };
      }
    }
  }

  return { compose };
}

export type Composer = ReturnType<typeof createComposer>;
