-- The W3C trace context of the event's processing, so the sender's SMS or e-mail continues the trace of the
-- request that caused it (kit/telemetry.py). Null when tracing was off.
ALTER TABLE deliveries ADD COLUMN trace_context jsonb;
