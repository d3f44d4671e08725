from billing.bootstrap import build
from billing.settings import BillingSettings
from kit.http import serve

settings = BillingSettings()
serve(build(settings), settings.http_host, settings.http_port)
