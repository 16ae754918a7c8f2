// TOTP second factor, recovery codes, trusted devices and one-time email codes.
import type { HttpServer } from '../../core/http/server.ts';
import type { Subscriber } from '../../core/events/types.ts';
import type { AuthContext } from './context.ts';
import type { SessionService } from './sessions.ts';

export interface TrustedDeviceCheck {
  isTrusted(accountId: string, deviceToken: string): Promise<boolean>;
}

export function createMfa(_ctx: AuthContext, _deps: { sessions: SessionService }) {
  const devices: TrustedDeviceCheck = { isTrusted: async () => false };
  return {
    devices,
    routes: async (_app: HttpServer) => {},
    subscribers: [] as Subscriber<any>[],
  };
}
