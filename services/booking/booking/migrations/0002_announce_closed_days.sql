-- Booking became the owner of the clinic's closed days, announced as ClinicDayClosed (contracts/events.py).
-- Days closed before that were never announced: announce each once now, through the outbox, in the envelope
-- Outbox.add writes, so prescription and econsult count them too. A fresh database has none.
WITH announced AS (
    SELECT gen_random_uuid() AS event_id, day::text AS day FROM closed_days
)
INSERT INTO outbox (event_id, topic, message_key, envelope, correlation_id)
SELECT event_id, 'clinic-calendar', day,
       jsonb_build_object('event_id', event_id, 'event_type', 'ClinicDayClosed', 'schema_version', 1,
                          'occurred_at', now(), 'correlation_id', 'migration-0002', 'aggregate_id', day,
                          'payload', jsonb_build_object('day', day)),
       'migration-0002'
FROM announced ORDER BY day;
