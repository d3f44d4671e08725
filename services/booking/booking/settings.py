from kit.settings import ServiceSettings

DEFAULT_HORIZON_DAYS = 120


class BookingSettings(ServiceSettings):
    service_name: str = "booking"
    http_port: int = 8102
    # How far ahead weekly templates are turned into slots; a job rolls the horizon forward daily.
    schedule_horizon_days: int = DEFAULT_HORIZON_DAYS
    schedule_extend_seconds: float = 3600.0
    # How often the reminder job looks for appointments whose reminder is due.
    reminder_poll_seconds: float = 30.0
    # The longest range one free-slot or calendar listing may cover.
    max_listing_days: int = 400
    # The slot search cache (booking/adapters/slot_cache.py): kept by the schedule's change notices, each entry
    # used at most this long (the safety net); 0 turns it off.
    slot_cache_seconds: float = 60.0
