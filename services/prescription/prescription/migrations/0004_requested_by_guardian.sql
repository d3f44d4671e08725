-- The guardian who asked for a renewal for a child (issue 19; null: the patient asked, or reception took it by
-- phone). SMS about the request go to this guardian: the prescription ready, the medicines rejected.
ALTER TABLE renewals ADD COLUMN requested_by_guardian_id uuid;
