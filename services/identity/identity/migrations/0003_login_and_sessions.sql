-- Login by SMS code. No national ID, code or address is stored: only HMACs of them under a key that
-- lives outside the database (EPORTAL_LOGIN_SECRET).
CREATE TABLE login_challenges (
    id             uuid PRIMARY KEY,
    id_digest      bytea       NOT NULL,  -- HMAC of the national ID: counts codes per ID
    address_digest bytea       NOT NULL,  -- HMAC of the client address: counts starts per address
    patient_id     uuid,                  -- null when the ID is unknown or has no mobile: no code was sent
    code_digest    bytea       NOT NULL,  -- HMAC of (challenge id, code)
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    attempts       int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    used_at        timestamptz
);
CREATE INDEX login_challenges_by_id ON login_challenges (id_digest, created_at);
CREATE INDEX login_challenges_by_address ON login_challenges (address_digest, created_at);

CREATE TABLE staff_login_attempts (
    id              bigserial PRIMARY KEY,
    username_digest bytea       NOT NULL,
    address_digest  bytea       NOT NULL,
    at              timestamptz NOT NULL,
    succeeded       boolean     NOT NULL
);
CREATE INDEX staff_login_attempts_by_username ON staff_login_attempts (username_digest, at);
CREATE INDEX staff_login_attempts_by_address ON staff_login_attempts (address_digest, at);

-- A session is known by the SHA-256 of its token; the token itself is only ever in the client's hands.
CREATE TABLE sessions (
    token_digest bytea PRIMARY KEY,
    id           uuid        NOT NULL UNIQUE,
    kind         text        NOT NULL CHECK (kind IN ('patient', 'staff')),
    subject_id   uuid        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('patient', 'doctor', 'reception', 'billing', 'admin')),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,  -- the absolute end (12 hours after login)
    ended_at     timestamptz
);
CREATE INDEX sessions_by_subject ON sessions (subject_id);

-- Billing's word on unsettled claims (ClaimsStatusChanged), so access rules need no call to billing.
CREATE TABLE patient_claims (
    patient_id           uuid PRIMARY KEY,
    has_unsettled_claims boolean     NOT NULL,
    as_of                timestamptz NOT NULL
);
