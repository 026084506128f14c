"""Settings for the Celery worker of the worker-killed test: the test settings with the two "that run is dead"
clocks in seconds instead of an hour, so the test can wait for them for real.

- LAGESBILD_HANGANDE_EFTER: a claim in processing/ (or an ImportRun "pågår") older than this belongs to a dead run
  and is put back by the next run (lagesbild/inkorg.py; production: one hour, settings.py);
- the broker's visibility timeout: a message delivered but never acknowledged (late acknowledgement; the worker
  died) is delivered again after this (production: LAGESBILD_HANGANDE_EFTER + one hour, settings.py). Here too it
  is the larger, so the redelivered run finds the dead run's claim old enough to take back.
"""

from datetime import timedelta

from vardformedling.settings_test import *  # noqa: F403

LAGESBILD_HANGANDE_EFTER = timedelta(seconds=4)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,  # look for messages to deliver again every second …
    "unacked_restore_throttle": 1,  # … on every look
}
