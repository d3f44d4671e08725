-- Events waiting for a patient's contact details are kept where every service keeps what waits for a patient
-- (kit's patient_directory feature: awaiting_patient, created before this migration runs); those waiting now move.
INSERT INTO awaiting_patient (event_id, patient_id, envelope, received_at)
SELECT event_id, patient_id, envelope, received_at FROM awaiting_contact
ON CONFLICT DO NOTHING;
DROP TABLE awaiting_contact;
