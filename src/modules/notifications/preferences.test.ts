import { describe, expect, it } from 'vitest';
import type { AppError } from '../../core/errors.ts';
import { CATALOG } from './catalog.ts';
import { checkSmsNeedsPhone, defaultSwitches, effectiveSwitches, mergeSwitches } from './preferences.ts';

describe('notification preferences', () => {
  it('defaults: in-app on everywhere, email on for security notices and disabled webhooks, SMS off', () => {
    const d = defaultSwitches();
    expect(d.password_changed).toEqual({ in_app: true, email: true, sms: false });
    expect(d.new_sign_in).toEqual({ in_app: true, email: true, sms: false });
    expect(d.webhook_disabled).toEqual({ in_app: true, email: true, sms: false });
    expect(d.invitation_received).toEqual({ in_app: true, email: false, sms: false });
    expect(d.member_added.email).toBe(false);
    expect(d.export_ready.email).toBe(false);
    expect(Object.values(d).every((c) => c.in_app && !c.sms)).toBe(true);
  });

  it('defaults are copies: changing one does not change the catalog', () => {
    const d = defaultSwitches();
    d.password_changed.email = false;
    expect(CATALOG.password_changed.defaults.email).toBe(true);
  });

  it('stored switches override the defaults one channel at a time', () => {
    const e = effectiveSwitches({ password_changed: { email: false }, export_ready: { email: true, sms: true } });
    expect(e.password_changed).toEqual({ in_app: true, email: false, sms: false });
    expect(e.export_ready).toEqual({ in_app: true, email: true, sms: true });
    expect(e.new_sign_in).toEqual(defaultSwitches().new_sign_in);
  });

  it('ignores stored entries the catalog no longer knows, and non-boolean values', () => {
    const e = effectiveSwitches({ retired_type: { email: true }, member_added: { pigeon: true, email: 'yes' } });
    expect(e).toEqual(defaultSwitches());
    expect(effectiveSwitches(null)).toEqual(defaultSwitches());
  });

  it('merges a patch over stored switches, keeping what the patch does not name', () => {
    const next = mergeSwitches({ password_changed: { email: false } }, { new_sign_in: { sms: true }, password_changed: { in_app: false } });
    expect(next).toEqual({ password_changed: { email: false, in_app: false }, new_sign_in: { sms: true } });
  });

  it('refuses unknown types and channels with the field that is wrong', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as AppError;
      }
      throw new Error('expected an error');
    };
    const t = err(() => mergeSwitches({}, { carrier_pigeon: { email: true } }));
    expect(t.code).toBe('VALIDATION_FAILED');
    expect(t.errors?.[0].field).toBe('body.types.carrier_pigeon');
    const c = err(() => mergeSwitches({}, { member_added: { fax: true } }));
    expect(c.errors?.[0].field).toBe('body.types.member_added.fax');
  });

  it('SMS on without a phone number is refused; with one it is fine', () => {
    const switches = effectiveSwitches({ new_sign_in: { sms: true } });
    expect(() => checkSmsNeedsPhone(switches, null)).toThrow(expect.objectContaining({ code: 'NOTIFICATIONS.PHONE_REQUIRED' }));
    expect(() => checkSmsNeedsPhone(switches, '+41791234567')).not.toThrow();
    expect(() => checkSmsNeedsPhone(defaultSwitches(), null)).not.toThrow();
  });
});
