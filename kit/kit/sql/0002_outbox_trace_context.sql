-- The W3C trace context (traceparent, tracestate) of the span that wrote the event, so the relay's publish
-- and every consumer's work continue the trace of the request that caused it (kit/telemetry.py).
-- Null when tracing was off.
ALTER TABLE outbox ADD COLUMN trace_context jsonb;
