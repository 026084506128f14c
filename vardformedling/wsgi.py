"""The WSGI entry point gunicorn serves (gunicorn_conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")
application = get_wsgi_application()
