-- The slot search keeps each searching patient's GP in memory (booking/adapters/slot_cache.py): a change of a
-- directory row's GP, or the row gone, is told to every booking process on the schedule's channel as
-- 'patient <id>', whichever replica's consumer applied it. A new row needs no notice: nothing is kept for a
-- patient not yet in the directory.
CREATE FUNCTION notify_patient_gp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Nested, not joined by OR: a DELETE has no NEW row to read.
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('booking_schedule', 'patient ' || OLD.patient_id::text);
    ELSIF NEW.gp_id IS DISTINCT FROM OLD.gp_id OR NEW.patient_id <> OLD.patient_id THEN
        PERFORM pg_notify('booking_schedule', 'patient ' || OLD.patient_id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER patient_gp_changed AFTER UPDATE OR DELETE ON patient_directory
    FOR EACH ROW EXECUTE FUNCTION notify_patient_gp_change();
