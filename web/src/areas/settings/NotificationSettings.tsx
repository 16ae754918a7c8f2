// Which notifications arrive where: a switch per type and channel (in the console, by mail,
// by SMS to the number given here), saved together.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

type ByType = components['schemas']['NotificationChannelsByType'];
type Channel = keyof components['schemas']['NotificationChannels'];
const CHANNELS: { key: Channel; label: string }[] = [
  { key: 'in_app', label: 'In the console' },
  { key: 'email', label: 'Email' },
  { key: 'sms', label: 'SMS' },
];
/** `timesheet_submitted` → `Timesheet submitted`. */
const typeLabel = (type: string) => type.charAt(0).toUpperCase() + type.slice(1).replaceAll('_', ' ');

export function NotificationSettings() {
  const prefs = useLoad(useCallback(() => call(api.GET('/notifications/preferences')), []));
  const [types, setTypes] = useState<ByType | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (prefs.data) setTypes(prefs.data.types);
  }, [prefs.data]);

  const save = useAction(async (phoneNumber: string) => {
    setSaved(false);
    const next = await call(api.PUT('/notifications/preferences', { body: { types: types ?? undefined, phoneNumber: phoneNumber.trim() || null } }));
    setTypes(next.types);
    setSaved(true);
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save.start(String(new FormData(event.currentTarget).get('phoneNumber') ?? ''));
  };
  const flip = (type: keyof ByType, channel: Channel) => setTypes((now) => (now ? { ...now, [type]: { ...now[type], [channel]: !now[type][channel] } } : now));
  const errors = fieldMessages(save.problem);

  return (
    <Page title="Notifications">
      <ProblemAlert problem={prefs.problem} />
      {!types && !prefs.problem && <p role="status">Loading…</p>}
      {types && prefs.data && (
        <form onSubmit={submit} aria-label="Notification preferences">
          {(Object.keys(types) as (keyof ByType)[]).map((type) => (
            <fieldset key={type}>
              <legend>{typeLabel(type)}</legend>
              <div className="channels">
                {CHANNELS.map((c) => (
                  <label key={c.key} className="checkbox">
                    <input type="checkbox" checked={types[type][c.key]} onChange={() => flip(type, c.key)} />
                    {c.label}
                  </label>
                ))}
              </div>
            </fieldset>
          ))}
          <Field label="Phone number for SMS" name="phoneNumber" type="tel" autoComplete="tel" defaultValue={prefs.data.phoneNumber ?? ''} hint="International format, e.g. +41791234567. Leave empty for no SMS." error={errors.phoneNumber} />
          <ProblemAlert problem={save.problem} />
          {saved && <Notice>Your preferences are saved.</Notice>}
          <button type="submit" className="primary" disabled={save.pending}>
            Save
          </button>
        </form>
      )}
    </Page>
  );
}
