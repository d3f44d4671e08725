-- Which GPs take eConsultations now. A GP without a row has not opened: closed.
CREATE TABLE gp_availability (
    doctor_id  uuid PRIMARY KEY,
    open       boolean NOT NULL,
    changed_at timestamptz NOT NULL
);

-- Days the clinic is closed beyond public holidays (Christmas Eve, New Year's Eve, a staff day):
-- they do not count toward the 5 working days.
CREATE TABLE closed_days (
    day date PRIMARY KEY
);

-- The question, the answer and the reason for declining are health data: they live here and only here.
CREATE TABLE econsultations (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL,
    doctor_id    uuid NOT NULL,
    text         text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 500),
    submitted_at timestamptz NOT NULL,
    due_date     date NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'declined')),
    reply        text,
    handled_at   timestamptz,
    renewal_hint boolean NOT NULL DEFAULT false,
    CHECK ((status = 'open') = (handled_at IS NULL))
);

CREATE INDEX econsultations_inbox ON econsultations (doctor_id, due_date, submitted_at) WHERE status = 'open';
CREATE INDEX econsultations_patient ON econsultations (patient_id, submitted_at DESC);
