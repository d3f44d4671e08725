-- Guardians (foreldreansvar), registered by reception from the national registry: a person with a valid
-- national ID and a Norwegian mobile, one of our patients or not. A child may have two; each acts alone.
CREATE TABLE guardians (
    id          uuid PRIMARY KEY,
    national_id text        NOT NULL UNIQUE CHECK (national_id ~ '^\d{11}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    mobile      text        NOT NULL CHECK (mobile ~ '^\+47[49]\d{7}$'),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Whose guardian: a row is the access itself, removed when reception removes the guardian.
CREATE TABLE guardianships (
    child_id      uuid        NOT NULL REFERENCES patients (id),
    guardian_id   uuid        NOT NULL REFERENCES guardians (id),
    registered_at timestamptz NOT NULL,
    PRIMARY KEY (child_id, guardian_id)
);
CREATE INDEX guardianships_by_guardian ON guardianships (guardian_id);

-- A login may be a guardian's who is not our patient: the challenge and the session say which guardian.
ALTER TABLE login_challenges ADD COLUMN guardian_id uuid;
ALTER TABLE sessions DROP CONSTRAINT sessions_kind_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_kind_check CHECK (kind IN ('patient', 'guardian', 'staff'));
ALTER TABLE sessions DROP CONSTRAINT sessions_role_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_role_check
    CHECK (role IN ('patient', 'guardian', 'doctor', 'reception', 'billing', 'admin'));
-- The guardian behind the login (a patient who is also a guardian has both), and the child the session acts
-- for now: kept with identity's session, checked again on every request.
ALTER TABLE sessions ADD COLUMN guardian_id uuid;
ALTER TABLE sessions ADD COLUMN acting_for uuid;
