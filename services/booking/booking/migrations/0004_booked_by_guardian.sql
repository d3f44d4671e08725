-- The guardian who booked an appointment for a child (issue 19; null: the patient booked it). SMS about the
-- appointment go to this guardian: the confirmation, the reminder and a cancellation.
ALTER TABLE appointments ADD COLUMN booked_by_guardian_id uuid;
