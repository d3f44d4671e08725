-- Booking: the doctors' schedules, their slots and the appointments in them.
--
-- Slots are materialised (one row per bookable slot) from weekly templates and single slots, rather
-- than computed on each request: the free-slot listing is then one index range scan on
-- (doctor_id, starts_at) with an anti-join on the one-appointment-per-slot index, however many
-- templates, closed days and appointments a year holds; and an appointment can point at a real row
-- that the database guards with constraints. A job keeps the materialised horizon rolling forward.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE weekly_templates (
    id           uuid PRIMARY KEY,
    doctor_id    uuid        NOT NULL,
    weekdays     smallint[]  NOT NULL CHECK (cardinality(weekdays) BETWEEN 1 AND 7
                                             AND weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]),
    day_starts   time        NOT NULL,
    day_ends     time        NOT NULL CHECK (day_ends > day_starts),
    slot_minutes int         NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    online       boolean     NOT NULL,  -- opened for online booking
    valid_from   date        NOT NULL,
    valid_until  date        CHECK (valid_until IS NULL OR valid_until >= valid_from),
    materialised_until date,            -- slots exist up to and including this day
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX weekly_templates_doctor ON weekly_templates (doctor_id);

-- Days the clinic is closed beyond the public holidays by law (Christmas Eve, New Year's Eve, ...).
CREATE TABLE closed_days (
    day        date PRIMARY KEY,
    reason     text CHECK (length(reason) <= 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE slots (
    id          uuid PRIMARY KEY,
    doctor_id   uuid        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    online      boolean     NOT NULL,  -- opened for online booking
    template_id uuid REFERENCES weekly_templates (id),
    withdrawn_at timestamptz,          -- the day was closed after the slot was made
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- One doctor is in one slot at a time: overlapping slots would let two patients in at once.
    CONSTRAINT slots_no_overlap EXCLUDE USING gist (doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (withdrawn_at IS NULL)
);
-- The free-slot listing: a range scan of one doctor's open slots.
CREATE INDEX slots_open_by_doctor ON slots (doctor_id, starts_at) WHERE online AND withdrawn_at IS NULL;
CREATE INDEX slots_by_doctor ON slots (doctor_id, starts_at);

CREATE TABLE appointments (
    id              uuid PRIMARY KEY,
    slot_id         uuid        NOT NULL REFERENCES slots (id),
    patient_id      uuid        NOT NULL,
    doctor_id       uuid        NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    reason          text CHECK (length(reason) <= 500),  -- health data: never in an event or a log
    booked_at       timestamptz NOT NULL,
    cancelled_at    timestamptz,
    cancelled_by    text CHECK (cancelled_by IN ('patient', 'staff')),
    reminder_due_at timestamptz,       -- NULL: no reminder (booked too close to the day)
    reminded_at     timestamptz,
    CHECK ((cancelled_at IS NULL) = (cancelled_by IS NULL))
);
-- One slot holds at most one appointment; a cancelled one frees the slot again. The database
-- enforces this, so a thousand simultaneous bookings of one slot give one appointment.
CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (slot_id) WHERE cancelled_at IS NULL;
CREATE INDEX appointments_by_patient ON appointments (patient_id, starts_at DESC);
CREATE INDEX appointments_by_doctor ON appointments (doctor_id, starts_at) WHERE cancelled_at IS NULL;
CREATE INDEX appointments_reminder_due ON appointments (reminder_due_at)
    WHERE reminded_at IS NULL AND cancelled_at IS NULL AND reminder_due_at IS NOT NULL;
