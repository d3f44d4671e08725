-- The W3C trace context of the doctor's decision, so the sender's delivery and its PrescriptionSent continue
-- the decision's trace (kit/telemetry.py). Null when tracing was off.
ALTER TABLE dispatches ADD COLUMN trace_context jsonb;
