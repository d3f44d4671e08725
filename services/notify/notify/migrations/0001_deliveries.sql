-- One row per event and channel: the consumer writes it in the transaction of the event's inbox row, so a
-- redelivered event adds nothing (inbox) and no path can add a second message for it (the unique key).
CREATE TABLE deliveries (
    id              uuid        PRIMARY KEY,  -- also the idempotency key given to the provider
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('sms', 'email')),
    kind            text        NOT NULL,     -- which template: login_code, appointment_booked, ...
    patient_id      uuid,                     -- null for a login code to a number not in the directory
    subject_id      uuid,                     -- the appointment, renewal, eConsultation or invoice
    address         text        NOT NULL,     -- mobile (E.164) or e-mail address
    subject         text,
    body            text,                     -- erased once a login code's delivery is final
    giro_invoice_id uuid,                     -- the invoice whose giro PDF rides on this e-mail
    priority        smallint    NOT NULL DEFAULT 1,  -- 0: login codes go first
    state           text        NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sent', 'failed', 'withdrawn')),
    attempts        int         NOT NULL DEFAULT 0,
    deferrals       int         NOT NULL DEFAULT 0,  -- waits for billing's PDF; not counted as attempts
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    expires_at      timestamptz,              -- a login code is worthless after this
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    finished_at     timestamptz,
    provider_ref    text,
    last_error      text,
    UNIQUE (event_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (priority, next_attempt_at) WHERE state = 'queued';
CREATE INDEX deliveries_patient ON deliveries (patient_id, created_at DESC);
CREATE INDEX deliveries_queued_subject ON deliveries (subject_id) WHERE state = 'queued';

-- Every try, for staff and operators: when, and how it went (never the message text).
CREATE TABLE delivery_attempts (
    id          bigserial   PRIMARY KEY,
    delivery_id uuid        NOT NULL REFERENCES deliveries (id),
    attempt     int         NOT NULL,
    at          timestamptz NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('accepted', 'failed', 'deferred')),
    error       text
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- Deliveries given up after the last try: the dead-letter record an operator looks at.
CREATE TABLE undeliverable (
    delivery_id uuid        PRIMARY KEY REFERENCES deliveries (id),
    event_id    uuid        NOT NULL,
    event_type  text        NOT NULL,
    channel     text        NOT NULL,
    attempts    int         NOT NULL,
    error       text        NOT NULL,
    created_at  timestamptz NOT NULL
);

-- An event about a patient notify does not know yet (identity's snapshot is still on its way, on
-- another topic): kept here and planned when the snapshot arrives, in that snapshot's transaction.
CREATE TABLE awaiting_contact (
    event_id    uuid        PRIMARY KEY,
    patient_id  uuid        NOT NULL,
    envelope    jsonb       NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX awaiting_contact_patient ON awaiting_contact (patient_id);
