"""Retention (issue 16 point 5): closed cases past their region's retention get their identity crypto-shredded by
the nightly task; a dry run lists without changing; the pseudonymous record, its history and the access log stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from arenden.models import Arende, Atkomstlogg
from arenden.services import gallring, identitet
from arenden.tasks import gallra_identiteter

pytestmark = pytest.mark.django_db


def _stangd_for(a, dagar: int) -> Arende:
    Arende.objects.filter(pk=a.pk).update(avslutad_datum=timezone.now() - timedelta(days=dagar))
    a.refresh_from_db()
    return a


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def test_dry_run_lists_and_the_task_shreds_only_cases_past_retention(arende_i_steg, lots):
    gammal = _stangd_for(arende_i_steg("avslutad"), 25 * 31)
    ny = _stangd_for(arende_i_steg("avslutad"), 23 * 30)
    oppen = arende_i_steg("behov")
    _klient(lots).get(f"/arenden/{gammal.case_id}/")  # a read before: its log row must stay
    loggrader = Atkomstlogg.objects.filter(case_id=gammal.case_id).count()

    ut = StringIO()
    call_command("gallra", "--torrkorning", stdout=ut)
    text = ut.getvalue()
    assert gammal.case_id in text and ny.case_id not in text and oppen.case_id not in text
    assert "1 ärende skulle gallras." in text and gammal.identitet.namn not in text
    assert Arende.objects.get(pk=gammal.pk).identitet_nyckel is not None  # nothing changed

    assert gallra_identiteter() == 1
    a = Arende.objects.get(pk=gammal.pk)
    assert a.identitet_nyckel is None and a.identitet_chiffer is None and a.identitet_gallrad is not None
    # The pseudonymous record stays and is visible; the identity is gone for good.
    assert (a.status, a.kva_id, a.fodelsear, a.case_id) == ("avslutad", "CJE", 1950, gammal.case_id)
    body = _klient(lots).get(f"/arenden/{a.case_id}/").content.decode()
    assert identitet.GALLRAD in body and gammal.identitet.namn not in body and "Vårdgarantin löper ut" in body
    assert Atkomstlogg.objects.filter(case_id=gammal.case_id).count() >= loggrader
    assert Arende.objects.get(pk=ny.pk).identitet_nyckel is not None
    assert Arende.objects.get(pk=oppen.pk).identitet_nyckel is not None
    assert gallra_identiteter() == 0  # nothing left: safe to run twice


def test_a_region_can_keep_identity_longer(arende_i_steg, settings):
    gammal = _stangd_for(arende_i_steg("avslutad"), 25 * 31)
    settings.GALLRING_MANADER_REGION = {"20": 36}
    assert gallring.manader("20") == 36 and gallring.manader("06") == 24
    assert not gallring.forfallna().filter(pk=gammal.pk).exists()
    settings.GALLRING_MANADER_REGION = {}
    assert gallring.forfallna().filter(pk=gammal.pk).exists()


def test_the_nightly_task_is_scheduled():
    uppgifter = {v["task"] for v in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "arenden.tasks.gallra_identiteter" in uppgifter


def test_months_back_keeps_the_day_within_the_month():
    from datetime import datetime

    assert gallring.manader_bakat(datetime(2026, 3, 31), 1) == datetime(2026, 2, 28)
    assert gallring.manader_bakat(datetime(2026, 12, 7), 24) == datetime(2024, 12, 7)
