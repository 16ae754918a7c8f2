-- Sign-in throttling per (email, client) and per email (decision 0021). Both count emails with
-- and without an account alike, so their answers reveal nothing. `client` is an IPv4 address or
-- an IPv6 /64: one host cannot rotate through the addresses of its own network.
--
-- auth.login_throttle (one lock per email, decision 0008) is no longer read or written. It stays
-- until no instance of the previous version runs: dropping it here would fail their sign-ins
-- during a rolling deploy.

-- The lock: LOGIN_MAX_FAILURES failures from one client lock that client out of that email.
CREATE TABLE auth.login_pair_failures (
  email          text NOT NULL,
  client         text NOT NULL,
  failures       int NOT NULL DEFAULT 0,
  lock_count     int NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  last_failed_at timestamptz NOT NULL,
  PRIMARY KEY (email, client)
);
-- The purge deletes pairs quiet for a day after their last failure or lock, whichever is later.
CREATE INDEX login_pair_failures_quiet_idx ON auth.login_pair_failures (greatest(last_failed_at, locked_until));

-- The ceiling: failures of an email from every client together, counted again from 1 after
-- LOGIN_ACCOUNT_WINDOW without one. Past LOGIN_ACCOUNT_SLOWDOWN, attempts wait for next_attempt_at.
CREATE TABLE auth.login_account_failures (
  email           text PRIMARY KEY,
  failures        int NOT NULL DEFAULT 0,
  last_failed_at  timestamptz NOT NULL,
  next_attempt_at timestamptz
);
CREATE INDEX login_account_failures_quiet_idx ON auth.login_account_failures (last_failed_at);
