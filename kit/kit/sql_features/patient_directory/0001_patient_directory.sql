-- A service's own copy of the patient registry, kept from identity's PatientRegistered/PatientUpdated.
-- No national ID: services refer to patients by patient_id only.
CREATE TABLE patient_directory (
    patient_id         uuid PRIMARY KEY,
    gp_id              uuid,
    name               text        NOT NULL,
    birth_date         date        NOT NULL,
    mobile             text,
    email              text,
    first_contact_done boolean     NOT NULL,
    as_of              timestamptz NOT NULL  -- occurred_at of the snapshot applied last
);
CREATE INDEX patient_directory_gp ON patient_directory (gp_id);
