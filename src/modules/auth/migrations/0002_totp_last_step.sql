-- The last TOTP time step accepted for the account: a code of that step (or an older one)
-- is refused afterwards, so an observed code cannot be replayed within its window.
ALTER TABLE auth.accounts ADD COLUMN totp_last_step bigint;
