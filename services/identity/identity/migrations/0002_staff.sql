-- The clinic's staff. A doctor's patient list is patients.gp_id = staff.id.
CREATE TABLE staff (
    id            uuid PRIMARY KEY,
    username      text        NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{2,64}$'),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role          text        NOT NULL CHECK (role IN ('doctor', 'reception', 'billing', 'admin')),
    password_hash text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    active        boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
