-- Every change to what the free-slot search answers (a slot made, withdrawn or put online or offline, an
-- appointment booked or cancelled, a day closed or reopened) NOTIFYs `booking_schedule` with the doctor's id
-- ('*' for a closed day: every doctor), delivered at commit. Each booking process keeps its slot search cache
-- by it (booking/adapters/slot_cache.py). PostgreSQL sends a payload once per transaction however many rows.
CREATE FUNCTION notify_schedule_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'closed_days' THEN
        PERFORM pg_notify('booking_schedule', '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('booking_schedule', OLD.doctor_id::text);
    ELSE
        PERFORM pg_notify('booking_schedule', NEW.doctor_id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER slots_changed AFTER INSERT OR UPDATE OR DELETE ON slots
    FOR EACH ROW EXECUTE FUNCTION notify_schedule_change();
-- An appointment's reminder mark changes no search: only a booking, a cancellation or a move counts.
CREATE TRIGGER appointments_changed AFTER INSERT OR DELETE OR UPDATE OF slot_id, cancelled_at ON appointments
    FOR EACH ROW EXECUTE FUNCTION notify_schedule_change();
CREATE TRIGGER closed_days_changed AFTER INSERT OR UPDATE OR DELETE ON closed_days
    FOR EACH STATEMENT EXECUTE FUNCTION notify_schedule_change();
