-- The guardian who sent an eConsultation for a child (issue 19; null: the patient sent it). SMS about it go to
-- this guardian: the answer, the advice to book instead.
ALTER TABLE econsultations ADD COLUMN sent_by_guardian_id uuid;
