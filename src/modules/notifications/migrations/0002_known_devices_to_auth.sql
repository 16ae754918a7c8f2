-- The sign-in device fingerprints belong to auth, which raises the `new_sign_in` notification
-- now (decision 0035): the rows go to auth.known_devices (created by auth's 0005, which runs
-- first: this module requires auth), so no user's next sign-in is taken for a first one.
--
-- notifications.known_devices is no longer read or written. It stays until no instance of the
-- previous version runs: dropping it here would fail their sign-in alerts during a rolling
-- deploy.
INSERT INTO auth.known_devices (user_id, fingerprint, first_seen_at, last_seen_at)
SELECT user_id, fingerprint, first_seen_at, last_seen_at FROM notifications.known_devices
ON CONFLICT (user_id, fingerprint) DO NOTHING;
