"""Settings for mypy's Django plugin (`make typecheck`): the development defaults, whatever the shell has set.

The plugin imports the settings and the apps to learn the models; it opens no connection. DEBUG=1 lets the settings
load without a production SECRET_KEY, and without DATABASE_URL they fall back to SQLite.
"""

import os

os.environ["DEBUG"] = "1"

from vardformedling.settings import *  # noqa: F403
