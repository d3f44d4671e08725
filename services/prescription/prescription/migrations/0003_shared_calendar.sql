-- The clinic's closed days now come from booking's ClinicDayClosed/ClinicDayReopened, into kit's
-- clinic_closed_days (the clinic_calendar feature); this service's own table, filled only by its demo, goes.
DROP TABLE closed_days;
