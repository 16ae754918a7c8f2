-- Devices an account signed in from, as fingerprints (sign-in-devices.ts: a hash of the user
-- agent without version numbers and the network prefix of the IP). A sign-in from one not seen
-- before raises the `new_sign_in` notification, except the very first. The notifications module
-- kept them until its kinds moved to the modules that raise them (decision 0035); its 0002 hands
-- its rows over, after this (it requires auth, so auth's migrations run first).
CREATE TABLE auth.known_devices (
  user_id       uuid NOT NULL,
  fingerprint   text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, fingerprint)
);
