from econsult.bootstrap import build
from econsult.settings import EconsultSettings
from kit.http import serve

settings = EconsultSettings()
serve(build(settings), settings.http_host, settings.http_port)
