-- The patient's language (identity's PatientRegistered/PatientUpdated v2): notify writes in it.
ALTER TABLE patient_directory ADD COLUMN language text NOT NULL DEFAULT 'nb';
