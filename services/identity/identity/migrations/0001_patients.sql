-- The clinic's patient registry. The national ID is the login key and is never sent in an event.
CREATE TABLE patients (
    id                 uuid PRIMARY KEY,
    national_id        text        NOT NULL UNIQUE CHECK (national_id ~ '^\d{11}$'),
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    birth_date         date        NOT NULL,
    mobile             text        CHECK (mobile ~ '^\+47[49]\d{7}$'),
    email              text,
    gp_id              uuid,
    first_contact_done boolean     NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patients_gp ON patients (gp_id);
