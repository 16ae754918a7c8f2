CREATE SCHEMA notifications;

-- One row per (event, recipient): the unique pair makes every trigger idempotent, so an
-- event or job delivered twice creates nothing new. The row also records what each
-- channel did, so a retried job sends only what is still pending. `in_app = false` rows
-- exist for users who switched the in-app channel off for this type but still get mail
-- or SMS; lists, counts and the stream's replay skip them.
CREATE TABLE notifications.notifications (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  event_id    uuid NOT NULL,
  type        text NOT NULL,
  org_id      uuid,
  title       text NOT NULL,
  body        text NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}',
  in_app      boolean NOT NULL,
  email_state text NOT NULL CHECK (email_state IN ('off', 'pending', 'sent', 'skipped', 'failed')),
  sms_state   text NOT NULL CHECK (sms_state IN ('off', 'pending', 'sent', 'skipped', 'failed')),
  read_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, user_id)
);
-- The list: unread first, then newest (keyset on (unread, id) descending).
CREATE INDEX notifications_list_idx ON notifications.notifications (user_id, (read_at IS NULL), id) WHERE in_app;
-- The unread count and read-all.
CREATE INDEX notifications_unread_idx ON notifications.notifications (user_id) WHERE in_app AND read_at IS NULL;

-- Only the switches a user set; the defaults live in code (catalog.ts), so a new type
-- gets its documented default without a data migration.
CREATE TABLE notifications.preferences (
  user_id      uuid PRIMARY KEY,
  switches     jsonb NOT NULL DEFAULT '{}',
  phone_number text CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Devices a user signed in from, as fingerprints (hash of the user agent without version
-- numbers and the network prefix of the IP). A sign-in from a fingerprint not seen before
-- raises a "new sign-in" notification, except the very first one.
CREATE TABLE notifications.known_devices (
  user_id       uuid NOT NULL,
  fingerprint   text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, fingerprint)
);

-- Single-use tickets for EventSource clients (which cannot send an Authorization header).
-- Only the SHA-256 of a ticket is stored; each lives 60 seconds.
CREATE TABLE notifications.stream_tickets (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL,
  session_id  uuid,
  api_key_id  uuid,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX stream_tickets_expiry_idx ON notifications.stream_tickets (expires_at);
