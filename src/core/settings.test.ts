// The settings mechanism: slices declared as TypeBox schemas, parsed together, every bad
// variable named once; README's table rendered from the declarations.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, defineSettings, integer, list, optional, parseSettings, parseSlice, seconds, setting, settingsTable, text } from './settings.ts';

const mail = defineSettings({
  retries: setting('MAIL_RETRIES', '3', integer(0, 10), 'Attempts per mail.'),
  window: setting('MAIL_WINDOW', '15m', seconds, 'How long a mail is retried.'),
  relay: setting('MAIL_RELAY', '', optional(text), 'A relay | with a pipe in its description.'),
});

const shelf = defineSettings(
  {
    min: setting('SHELF_MIN', '1', integer(0, 100), 'Fewest items.'),
    max: setting('SHELF_MAX', '10', integer(0, 100), 'Most items.'),
    tags: setting('SHELF_TAGS', '', list, 'Tags.'),
  },
  (v) => {
    if (v.min > v.max) throw new ConfigError('SHELF_MIN', `must not exceed SHELF_MAX (${v.max})`);
    return { range: [v.min, v.max] as const, tags: v.tags };
  },
);

/** The ConfigError `fn` throws; fails the test if none is thrown. */
function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('accepted');
}

describe('a slice', () => {
  it('is a TypeBox object schema whose properties name their variables, defaults and meanings', () => {
    expect(mail.schema.type).toBe('object');
    expect(mail.schema.properties.retries).toMatchObject({ type: 'string', env: 'MAIL_RETRIES', default: '3', description: 'Attempts per mail.' });
  });

  it('decodes each variable, its default when unset, and types the result by inference', () => {
    const parsed = parseSlice(mail, { MAIL_WINDOW: '2h' });
    expect(parsed).toEqual({ retries: 3, window: 7200, relay: undefined });
    expectTypeOf(parsed).toEqualTypeOf<{ retries: number; window: number; relay: string | undefined }>();
  });

  it('gives its parse the decoded values and returns what the parse makes of them', () => {
    const parsed = parseSlice(shelf, { SHELF_TAGS: 'a, b' });
    expect(parsed).toEqual({ range: [1, 10], tags: ['a', 'b'] });
    expectTypeOf(parsed.range).toEqualTypeOf<readonly [number, number]>();
  });
});

describe('parseSettings', () => {
  const owners = [
    { owner: 'mail', slice: mail },
    { owner: 'shelf', slice: shelf },
  ];

  it('returns each slice under its owner', () => {
    expect(parseSettings({ MAIL_RETRIES: '0', SHELF_MAX: '20' }, owners)).toEqual({ mail: { retries: 0, window: 900, relay: undefined }, shelf: { range: [1, 20], tags: [] } });
  });

  it('names every bad variable of every slice, one issue each, in declaration order', () => {
    const err = refusal(() => parseSettings({ SHELF_MAX: 'lots', MAIL_RETRIES: '11', MAIL_WINDOW: '0' }, owners));
    expect(err.issues).toEqual([
      { variable: 'MAIL_RETRIES', message: 'must be between 0 and 10, got 11' },
      { variable: 'MAIL_WINDOW', message: 'must be greater than zero' },
      { variable: 'SHELF_MAX', message: 'expected an integer, got "lots"' },
    ]);
    expect(err.variable).toBe('MAIL_RETRIES');
    expect(err.message).toBe('MAIL_RETRIES: must be between 0 and 10, got 11\nMAIL_WINDOW: must be greater than zero\nSHELF_MAX: expected an integer, got "lots"');
  });

  it("runs a slice's checks across variables once each variable is valid", () => {
    const err = refusal(() => parseSettings({ SHELF_MIN: '50', SHELF_MAX: '5' }, owners));
    expect(err.issues).toEqual([{ variable: 'SHELF_MIN', message: 'must not exceed SHELF_MAX (5)' }]);
  });

  it('refuses a variable two owners declare', () => {
    const thief = defineSettings({ tries: setting('MAIL_RETRIES', '1', integer(0, 1), 'Mine.') });
    expect(() => parseSettings({}, [...owners, { owner: 'thief', slice: thief }])).toThrow('the setting MAIL_RETRIES is declared by both mail and thief');
  });
});

describe('settingsTable', () => {
  it('renders one row per variable with its owner, default (— for none) and meaning, pipes escaped', () => {
    expect(settingsTable([{ owner: 'mail', slice: mail }])).toBe(
      [
        '| variable | module | default | meaning |',
        '|---|---|---|---|',
        '| `MAIL_RETRIES` | mail | `3` | Attempts per mail. |',
        '| `MAIL_WINDOW` | mail | `15m` | How long a mail is retried. |',
        '| `MAIL_RELAY` | mail | — | A relay \\| with a pipe in its description. |',
      ].join('\n'),
    );
  });
});
