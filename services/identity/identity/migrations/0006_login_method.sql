-- How each session began, kept with it as the login's record: the way in (the SMS code, ID-porten, a staff
-- password) and, through ID-porten, the level of assurance (acr). Sessions from before this were SMS logins
-- of patients and password logins of staff.
ALTER TABLE sessions ADD COLUMN method text NOT NULL DEFAULT 'sms'
    CHECK (method IN ('sms', 'idporten', 'password'));
UPDATE sessions SET method = 'password' WHERE kind = 'staff';
ALTER TABLE sessions ALTER COLUMN method DROP DEFAULT;
ALTER TABLE sessions ADD COLUMN acr text;
-- ID-porten's ID token, kept only while the session lives: logout hands it back to ID-porten (id_token_hint)
-- and clears it here; the hourly clean-up clears it from sessions that ended without a logout.
ALTER TABLE sessions ADD COLUMN id_token_hint text;
