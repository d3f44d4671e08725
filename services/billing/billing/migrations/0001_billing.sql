-- Tariffs: the state sets the co-payment (egenandel) and changes it, so amounts carry validity dates.
-- An eConsultation is billed by the tariff in force on the day the patient sent it: the price shown.
CREATE TABLE tariffs (
    id            serial  PRIMARY KEY,
    service       text    NOT NULL CHECK (service IN ('econsultation')),
    copayment_ore integer NOT NULL CHECK (copayment_ore >= 0),
    fee_ore       integer NOT NULL CHECK (fee_ore >= 0),
    valid_from    date    NOT NULL,
    valid_to      date    CHECK (valid_to IS NULL OR valid_to > valid_from),  -- exclusive
    UNIQUE (service, valid_from)
);
-- Co-payment 204 kr for an eConsultation with a GP who is a specialist in general practice (the
-- normal tariff for eConsultations from 1 July 2019), plus the clinic's invoice fee of 55 kr: 259 kr,
-- as the clinic's page says.
INSERT INTO tariffs (service, copayment_ore, fee_ore, valid_from) VALUES ('econsultation', 20400, 5500, '2019-07-01');

-- Frikort (exemption card): a patient who has reached the year's ceiling pays no co-payments that year.
CREATE TABLE frikort (
    patient_id    uuid        NOT NULL,
    year          integer     NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    card_number   text        NOT NULL,
    registered_by uuid        NOT NULL,
    registered_at timestamptz NOT NULL,
    PRIMARY KEY (patient_id, year)
);

-- One billing decision per eConsultation, whatever is redelivered: invoiced, or exempt with the reason.
CREATE TABLE econsult_charges (
    econsult_id   uuid        PRIMARY KEY,
    patient_id    uuid        NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('invoiced', 'exempt')),
    exempt_reason text        CHECK ((outcome = 'invoiced' AND exempt_reason IS NULL)
                                     OR (outcome = 'exempt' AND exempt_reason IN ('frikort', 'under_16'))),
    frikort_card  text,
    tariff_id     integer     NOT NULL REFERENCES tariffs (id),
    submitted_on  date        NOT NULL,
    answered_on   date        NOT NULL,
    decided_at    timestamptz NOT NULL
);
CREATE INDEX econsult_charges_patient ON econsult_charges (patient_id);

CREATE SEQUENCE kid_serial;

CREATE TABLE invoices (
    id             uuid        PRIMARY KEY,
    econsult_id    uuid        NOT NULL UNIQUE REFERENCES econsult_charges (econsult_id),
    patient_id     uuid        NOT NULL,
    doctor_id      uuid        NOT NULL,
    kid            text        NOT NULL UNIQUE CHECK (kid ~ '^\d{2,25}$'),
    account_number text        NOT NULL CHECK (account_number ~ '^\d{11}$'),
    copayment_ore  integer     NOT NULL CHECK (copayment_ore >= 0),
    fee_ore        integer     NOT NULL CHECK (fee_ore >= 0),
    amount_ore     integer     NOT NULL CHECK (amount_ore = copayment_ore + fee_ore),
    issued_on      date        NOT NULL,
    due_date       date        NOT NULL CHECK (due_date >= issued_on),
    status         text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'part_paid', 'paid', 'over_paid')),
    paid_ore       integer     NOT NULL DEFAULT 0,
    overdue_on     date,       -- the day it was found overdue; kept after payment, for the history
    settled_on     date,
    created_at     timestamptz NOT NULL
);
CREATE INDEX invoices_patient ON invoices (patient_id, issued_on DESC);
CREATE INDEX invoices_falling_due ON invoices (due_date) WHERE overdue_on IS NULL AND status IN ('open', 'part_paid');

-- Whether each patient has unsettled claims, as last told to identity: an event only on a change.
CREATE TABLE patient_claims (
    patient_id           uuid        PRIMARY KEY,
    has_unsettled_claims boolean     NOT NULL,
    changed_at           timestamptz NOT NULL
);

-- Each OCR file once: a second import of the same bytes pays nothing and shows the first report.
CREATE TABLE ocr_imports (
    id                  uuid        PRIMARY KEY,
    file_sha256         text        NOT NULL UNIQUE,
    data_transmitter    text        NOT NULL,
    transmission_number text        NOT NULL,
    imported_by         uuid        NOT NULL,
    imported_at         timestamptz NOT NULL,
    report              jsonb       NOT NULL
);

-- Every payment is kept, matched or not: unknown KIDs, part and over payments are flagged, never lost.
CREATE TABLE payments (
    id            uuid        PRIMARY KEY,
    source        text        NOT NULL CHECK (source IN ('ocr', 'manual')),
    -- OCR: data transmitter, transmission, assignment and transaction number: the same bank
    -- transaction in another file (or the same file edited) is recognised and not paid twice.
    source_ref    text        UNIQUE,
    ocr_import_id uuid        REFERENCES ocr_imports (id),
    kid           text,
    invoice_id    uuid        REFERENCES invoices (id),
    amount_ore    integer     NOT NULL,
    paid_on       date        NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('paid', 'part_paid', 'over_paid', 'unknown_kid', 'reversal')),
    registered_by uuid        NOT NULL,
    registered_at timestamptz NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id);
CREATE INDEX payments_unmatched ON payments (registered_at) WHERE invoice_id IS NULL;
