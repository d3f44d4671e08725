from kit.settings import ServiceSettings


class BookingSettings(ServiceSettings):
    service_name: str = "booking"
    http_port: int = 8102
