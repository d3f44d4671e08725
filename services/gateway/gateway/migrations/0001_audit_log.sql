-- Who has read or changed a patient's health data (Normen): one row per access, refused ones too.
-- Append-only for the application: the triggers below refuse UPDATE, DELETE and TRUNCATE, so not even a
-- bug in the gateway (or an SQL injection through it) can rewrite history.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_kind  text        NOT NULL CHECK (actor_kind IN ('patient', 'staff')),
    actor_id    uuid        NOT NULL,
    actor_role  text        NOT NULL,
    actor_name  text,
    patient_id  uuid,                     -- null only for a refused attempt that named no patient
    object_type text        NOT NULL,
    object_id   text,
    action      text        NOT NULL,
    outcome     text        NOT NULL,
    request_id  text        NOT NULL
);
CREATE INDEX audit_log_by_patient ON audit_log (patient_id, at DESC, id DESC);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
