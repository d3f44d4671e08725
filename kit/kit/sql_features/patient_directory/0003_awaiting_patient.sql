-- An event about a patient this service does not know yet: identity's snapshot travels on the patients topic,
-- applied beside the event's own topic, and may come after it (a replay, a new replica reading from the start).
-- Kept here and applied when the snapshot arrives, in that snapshot's transaction (kit/patient_directory.py).
CREATE TABLE awaiting_patient (
    event_id    uuid        PRIMARY KEY,
    patient_id  uuid        NOT NULL,
    envelope    jsonb       NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX awaiting_patient_patient ON awaiting_patient (patient_id);
