-- The patient's medicine list (legemiddelliste): what the clinic knows the patient uses, and on what terms.
CREATE TABLE medications (
    id            uuid PRIMARY KEY,
    patient_id    uuid        NOT NULL,
    name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    strength      text        NOT NULL DEFAULT '' CHECK (char_length(strength) <= 100),
    atc_code      text        NOT NULL CHECK (atc_code ~ '^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$'),
    reseptgruppe  text        NOT NULL CHECK (reseptgruppe IN ('A', 'B', 'C')),
    fixed         boolean     NOT NULL,          -- fast medisin
    prescribed_by text        NOT NULL CHECK (prescribed_by IN ('here', 'hospital', 'other_clinic')),
    added_by      uuid,                          -- the doctor, or NULL for an import from the records system
    added_at      timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
-- The same medicine and strength once per list: an import run twice updates, it does not duplicate.
CREATE UNIQUE INDEX medications_once_per_list ON medications (patient_id, lower(name), lower(strength));

-- A standing agreement (fast avtale) between a doctor and a patient for one group B medicine: without
-- one, a B medicine is never renewed from the portal.
CREATE TABLE b_agreements (
    medication_id uuid PRIMARY KEY REFERENCES medications (id) ON DELETE CASCADE,
    doctor_id     uuid        NOT NULL,
    agreed_at     timestamptz NOT NULL
);

-- Days the clinic is closed beyond public holidays: they do not count toward the 5 working days.
CREATE TABLE closed_days (
    day date PRIMARY KEY
);

CREATE TABLE renewals (
    id            uuid PRIMARY KEY,
    patient_id    uuid        NOT NULL,
    doctor_id     uuid        NOT NULL,          -- the patient's GP when asked
    channel       text        NOT NULL CHECK (channel IN ('portal', 'phone')),
    message       text        CHECK (char_length(message) <= 1000),
    registered_by uuid,                          -- reception's staff id for a phone request
    created_at    timestamptz NOT NULL,
    due_date      date        NOT NULL,
    status        text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'decided')),
    decided_at    timestamptz,
    CHECK ((status = 'open') = (decided_at IS NULL))
);
-- One open request per patient, held by the database also when two requests race.
CREATE UNIQUE INDEX renewals_one_open_per_patient ON renewals (patient_id) WHERE status = 'open';
CREATE INDEX renewals_patient ON renewals (patient_id, created_at DESC);
CREATE INDEX renewals_open ON renewals (channel, created_at) WHERE status = 'open';

-- The medicines of one request, each decided on its own. Name and strength as the patient asked for them.
CREATE TABLE renewal_items (
    renewal_id    uuid     NOT NULL REFERENCES renewals (id),
    medication_id uuid     NOT NULL REFERENCES medications (id),
    position      smallint NOT NULL,
    name          text     NOT NULL,
    strength      text     NOT NULL,
    outcome       text     CHECK (outcome IN ('approved', 'rejected')),
    reason        text     CHECK (char_length(reason) <= 1000),   -- the doctor's, shown to the patient
    decided_by    uuid,
    decided_at    timestamptz,
    PRIMARY KEY (renewal_id, medication_id),
    CHECK ((outcome IS NULL) = (decided_at IS NULL)),
    CHECK (outcome IS DISTINCT FROM 'rejected' OR reason IS NOT NULL)
);

-- What one decision approved, announced together (one PrescriptionSent, one message to the patient)
-- once every e-prescription in it has reached the intermediary. Retried until then.
CREATE TABLE dispatches (
    id              uuid PRIMARY KEY,
    renewal_id      uuid        NOT NULL REFERENCES renewals (id),
    patient_id      uuid        NOT NULL,
    doctor_id       uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    announced_at    timestamptz
);
CREATE INDEX dispatches_due ON dispatches (next_attempt_at) WHERE announced_at IS NULL;

-- One e-prescription per approved medicine. Its id goes with it to the intermediary, which dedupes on it:
-- a send repeated after a crash is the same prescription, never a second one.
CREATE TABLE prescriptions (
    id            uuid PRIMARY KEY,
    dispatch_id   uuid        NOT NULL REFERENCES dispatches (id),
    renewal_id    uuid        NOT NULL REFERENCES renewals (id),
    medication_id uuid        NOT NULL REFERENCES medications (id),
    patient_id    uuid        NOT NULL,
    doctor_id     uuid        NOT NULL,
    name          text        NOT NULL,
    strength      text        NOT NULL,
    atc_code      text        NOT NULL,
    reseptgruppe  text        NOT NULL,
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    UNIQUE (renewal_id, medication_id)
);
CREATE INDEX prescriptions_unsent ON prescriptions (dispatch_id) WHERE sent_at IS NULL;

-- The local simulator of the prescription intermediary (development and tests): what it received.
CREATE TABLE simulated_intermediary (
    prescription_id   uuid PRIMARY KEY,
    patient_id        uuid        NOT NULL,
    doctor_id         uuid        NOT NULL,
    payload           jsonb       NOT NULL,
    first_received_at timestamptz NOT NULL,
    deliveries        integer     NOT NULL DEFAULT 1     -- how many times it was sent; stored once
);
