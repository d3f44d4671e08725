from booking.bootstrap import build
from booking.settings import BookingSettings
from kit.http import serve

settings = BookingSettings()
serve(build(settings), settings.http_host, settings.http_port)
