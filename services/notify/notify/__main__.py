from kit.http import serve
from notify.bootstrap import build
from notify.settings import NotifySettings

settings = NotifySettings()
serve(build(settings), settings.http_host, settings.http_port)
