import re
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from stdnum import luhn

from arenden import case_id
from arenden.models import Arende


def test_format_has_year_region_sequence_and_luhn_digit():
    cid = case_id.format_case_id(2026, "20", 123)
    assert re.fullmatch(r"VF-2026-20-000123-\d", cid)
    assert cid[-1] == luhn.calc_check_digit("202620000123")


def test_normalise_accepts_with_and_without_dashes():
    cid = case_id.format_case_id(2026, "06", 7)
    assert case_id.normalise(cid.replace("-", "")) == cid
    assert case_id.normalise(" " + cid.lower() + " ") == cid


def test_wrong_check_digit_is_refused_in_swedish():
    cid = case_id.format_case_id(2026, "06", 7)
    wrong = cid[:-1] + str((int(cid[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="Kontrollsiffran"):
        case_id.normalise(wrong)


def test_garbage_is_refused_with_format_help():
    with pytest.raises(ValidationError, match="VF-ÅÅÅÅ-RR-NNNNNN-K"):
        case_id.normalise("VF-26-20-1")


def test_digits_of_another_script_are_refused_with_format_help_not_a_crash():
    """\\d took "٢" (Arabic-Indic two); the Luhn check digit then raised ValueError (a 500 on the access log page)."""
    with pytest.raises(ValidationError, match="VF-ÅÅÅÅ-RR-NNNNNN-K"):
        case_id.normalise("VF-\u0662\u0660\u0662\u0666-20-000123-5")
    assert not case_id.looks_like_case_id("VF-\u0662\u0660\u0662\u0666-20-000123-5")


def test_a_personnummer_in_another_script_is_refused_as_a_format_error():
    from vardformedling import personnummer

    with pytest.raises(ValidationError) as fel:
        personnummer.normalise("\u0661\u0669\u0661\u0662\u0661\u0662\u0661\u0662-\u0661\u0662\u0661\u0662")
    assert fel.value.code == "format"


def test_registered_cases_get_consecutive_numbers_per_region(registrera):
    a = registrera()
    b = registrera()
    assert a.case_id.split("-")[3] == "000001"
    assert b.case_id.split("-")[3] == "000002"
    assert a.case_id.split("-")[1] == str(date.today().year)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_unique_gap_free_ids(registrera):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    errors = []

    def worker():
        try:
            registrera()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    nums = sorted(int(c.split("-")[3]) for c in Arende.objects.values_list("case_id", flat=True))
    assert nums == list(range(1, 13))
