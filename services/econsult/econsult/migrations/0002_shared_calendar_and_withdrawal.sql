-- The clinic's closed days now come from booking's ClinicDayClosed/ClinicDayReopened, into kit's
-- clinic_closed_days (the clinic_calendar feature); this service's own table, filled only by its demo, goes.
DROP TABLE closed_days;

-- A patient may withdraw an eConsultation until the doctor opens it: when the doctor first read it.
ALTER TABLE econsultations ADD COLUMN opened_at timestamptz;
ALTER TABLE econsultations DROP CONSTRAINT econsultations_status_check;
ALTER TABLE econsultations ADD CONSTRAINT econsultations_status_check
    CHECK (status IN ('open', 'answered', 'declined', 'withdrawn'));

-- The open ones of a patient: moved together to a new GP.
CREATE INDEX econsultations_open_by_patient ON econsultations (patient_id) WHERE status = 'open';
