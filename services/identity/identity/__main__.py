from identity.bootstrap import build
from identity.settings import IdentitySettings
from kit.http import serve

settings = IdentitySettings()  # type: ignore[call-arg]
serve(build(settings), settings.http_host, settings.http_port)
