-- A service's own copy of the clinic's closed days, kept from booking's ClinicDayClosed/ClinicDayReopened.
-- A reopened day keeps its row (closed = false), so an older event replayed later cannot close it again.
CREATE TABLE clinic_closed_days (
    day    date PRIMARY KEY,
    closed boolean     NOT NULL,
    as_of  timestamptz NOT NULL  -- occurred_at of the event applied last for this day
);
