from identity.bootstrap import build
from identity.settings import IdentitySettings
from kit.http import serve

settings = IdentitySettings()
serve(build(settings), settings.http_host, settings.http_port)
