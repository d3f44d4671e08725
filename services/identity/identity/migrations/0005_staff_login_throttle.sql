-- Staff logins are throttled by address, not locked by username (domain/login_throttle.py). Every attempt is a
-- row with its outcome, the audit of failed logins: 'pending' while its password is being checked (not
-- succeeded, so it counts as a failure and parallel guesses cannot slip past the count), then 'success',
-- 'wrong_password', 'unknown_username' or 'inactive'; 'throttled' when it was refused before any check, 'busy'
-- when identity had too many passwords to check (neither counted: a guesser who keeps knocking does not lengthen
-- the wait). Null on rows of the release before this one.
ALTER TABLE staff_login_attempts ADD COLUMN outcome text CHECK (outcome IN (
    'pending', 'success', 'wrong_password', 'unknown_username', 'inactive', 'throttled', 'busy'));

-- Addresses a username has logged in from (HMACs, as everywhere here): there the owner is never held up by
-- someone else's guessing.
CREATE TABLE staff_known_addresses (
    username_digest bytea       NOT NULL,
    address_digest  bytea       NOT NULL,
    last_login_at   timestamptz NOT NULL,
    PRIMARY KEY (username_digest, address_digest)
);
