// The preference rules over a catalog of kinds given here: which modules declare which kinds,
// and their defaults, are test/notifications-kinds.test.ts's business.
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../core/errors.ts';
import { createCatalog, type KindInfo } from './catalog.ts';
import { checkSmsNeedsPhone, defaultSwitches, effectiveSwitches, mergeSwitches } from './preferences.ts';

const kind = (type: string, email: boolean): KindInfo => ({
  type,
  description: `${type}.`,
  defaults: { in_app: true, email, sms: false },
  data: Type.Object({}),
});
// A security notice mails by default, an org's news does not; listed out of order on purpose.
const catalog = createCatalog([kind('org_news', false), kind('security_notice', true), kind('file_ready', false)]);

describe('notification preferences', () => {
  it('defaults are the declared ones, for every type, sorted by type', () => {
    const d = defaultSwitches(catalog);
    expect(Object.keys(d)).toEqual(['file_ready', 'org_news', 'security_notice']);
    expect(d.security_notice).toEqual({ in_app: true, email: true, sms: false });
    expect(d.org_news).toEqual({ in_app: true, email: false, sms: false });
  });

  it('defaults are copies: changing one does not change the catalog', () => {
    const d = defaultSwitches(catalog);
    d.security_notice.email = false;
    expect(catalog.defaults('security_notice').email).toBe(true);
  });

  it('stored switches override the defaults one channel at a time', () => {
    const e = effectiveSwitches(catalog, { security_notice: { email: false }, file_ready: { email: true, sms: true } });
    expect(e.security_notice).toEqual({ in_app: true, email: false, sms: false });
    expect(e.file_ready).toEqual({ in_app: true, email: true, sms: true });
    expect(e.org_news).toEqual(defaultSwitches(catalog).org_news);
  });

  it('ignores stored entries no module declares any more, and non-boolean values', () => {
    const e = effectiveSwitches(catalog, { retired_type: { email: true }, org_news: { pigeon: true, email: 'yes' } });
    expect(e).toEqual(defaultSwitches(catalog));
    expect(effectiveSwitches(catalog, null)).toEqual(defaultSwitches(catalog));
  });

  it('merges a patch over stored switches, keeping what the patch does not name', () => {
    const next = mergeSwitches(catalog, { security_notice: { email: false }, retired_type: { email: true } }, { org_news: { sms: true }, security_notice: { in_app: false } });
    expect(next).toEqual({ security_notice: { email: false, in_app: false }, org_news: { sms: true } });
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
    const t = err(() => mergeSwitches(catalog, {}, { carrier_pigeon: { email: true } }));
    expect(t.code).toBe('VALIDATION_FAILED');
    expect(t.errors?.[0].field).toBe('body.types.carrier_pigeon');
    const c = err(() => mergeSwitches(catalog, {}, { org_news: { fax: true } }));
    expect(c.errors?.[0].field).toBe('body.types.org_news.fax');
  });

  it('SMS on without a phone number is refused; with one it is fine', () => {
    const switches = effectiveSwitches(catalog, { security_notice: { sms: true } });
    expect(() => checkSmsNeedsPhone(switches, null)).toThrow(expect.objectContaining({ code: 'NOTIFICATIONS.PHONE_REQUIRED' }));
    expect(() => checkSmsNeedsPhone(switches, '+41791234567')).not.toThrow();
    expect(() => checkSmsNeedsPhone(defaultSwitches(catalog), null)).not.toThrow();
  });
});
