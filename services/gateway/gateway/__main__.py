from gateway.bootstrap import build
from gateway.settings import GatewaySettings
from kit.http import serve

settings = GatewaySettings()
serve(build(settings), settings.http_host, settings.http_port)
