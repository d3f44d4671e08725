from notify.bootstrap import build
from notify.settings import NotifySettings
from kit.http import serve

settings = NotifySettings()  # type: ignore[call-arg]
serve(build(settings), settings.http_host, settings.http_port)
