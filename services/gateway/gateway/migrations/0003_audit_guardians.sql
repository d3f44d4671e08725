-- A guardian acting for a child (issue 19) is an actor of their own kind: the record names the guardian (id,
-- name) on the child's row, so both people are in it and the child's access log says a guardian did it.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
    CHECK (actor_kind IN ('patient', 'guardian', 'staff'));
