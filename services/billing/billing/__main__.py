from billing.bootstrap import build
from billing.settings import BillingSettings
from kit.http import serve

settings = BillingSettings()  # type: ignore[call-arg]
serve(build(settings), settings.http_host, settings.http_port)
