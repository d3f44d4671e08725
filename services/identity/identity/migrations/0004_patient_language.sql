-- The language the patient reads the portal in, and gets their SMS and e-mail in (Helsenorge offers the
-- same three). Bokmål until the patient chooses.
ALTER TABLE patients ADD COLUMN language text NOT NULL DEFAULT 'nb' CHECK (language IN ('nb', 'nn', 'en'));
