-- A booking or a cancellation tells the slot search cache which slot changed, so each booking process patches
-- the doctor's kept list (one slot out, or one back in its place) instead of reading it again: the booking rush
-- made every booking refill every replica's list. The payload, space-separated after the doctor's id:
--   '<doctor> booked <appointment> <slot> <start>'         an appointment made (its slot is taken)
--   '<doctor> freed <appointment> <slot> <start> <end>'    an appointment cancelled, its slot online and not
--                                                          withdrawn (so free for the search again)
-- with times as microseconds since 1970 (exact, whatever the session's time zone). Anything else (a slot made,
-- changed or withdrawn, an appointment moved or deleted, a cancelled slot that is offline) is the doctor's id
-- alone, as migration 0003 sends: the cache drops that doctor's list. A closed day is still '*'.
CREATE OR REPLACE FUNCTION notify_schedule_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    said text;
    listed boolean;
BEGIN
    IF TG_TABLE_NAME = 'closed_days' THEN
        PERFORM pg_notify('booking_schedule', '*');
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('booking_schedule', OLD.doctor_id::text);
        RETURN NULL;
    END IF;
    said := NEW.doctor_id::text;
    -- Nested, not joined by AND: PL/pgSQL does not promise to stop before NEW.cancelled_at on a slots row.
    IF TG_TABLE_NAME = 'appointments' THEN
        IF TG_OP = 'INSERT' THEN
            IF NEW.cancelled_at IS NULL THEN
                said := concat_ws(' ', NEW.doctor_id, 'booked', NEW.id, NEW.slot_id,
                                  (extract(epoch FROM NEW.starts_at) * 1000000)::bigint);
            END IF;
        ELSIF OLD.cancelled_at IS NULL AND NEW.cancelled_at IS NOT NULL AND NEW.slot_id = OLD.slot_id THEN
            SELECT s.online AND s.withdrawn_at IS NULL AND s.doctor_id = NEW.doctor_id
                   AND s.starts_at = NEW.starts_at AND s.ends_at = NEW.ends_at
              INTO listed FROM slots s WHERE s.id = NEW.slot_id;
            IF listed THEN
                said := concat_ws(' ', NEW.doctor_id, 'freed', NEW.id, NEW.slot_id,
                                  (extract(epoch FROM NEW.starts_at) * 1000000)::bigint,
                                  (extract(epoch FROM NEW.ends_at) * 1000000)::bigint);
            END IF;
        END IF;
    END IF;
    PERFORM pg_notify('booking_schedule', said);
    RETURN NULL;
END $$;
