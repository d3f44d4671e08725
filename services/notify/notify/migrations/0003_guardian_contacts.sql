-- Guardians of child patients (identity's GuardianRegistered/GuardianRemoved, issue 19): SMS about a request a
-- guardian made for a child go to that guardian's mobile, and to nobody once reception removed the guardian.
CREATE TABLE guardian_contacts (
    child_id    uuid        NOT NULL,
    guardian_id uuid        NOT NULL,
    mobile      text        NOT NULL,
    as_of       timestamptz NOT NULL,
    PRIMARY KEY (child_id, guardian_id)
);
