"""Issue 16, "Tests that must exist": after a case is registered, offered, transferred and followed up through the
web with a new personnummer, a byte search of the whole PostgreSQL database (pg_dump), the log output, the SDK
outbox, the exports and the monthly reports finds the personnummer in no format and not the name."""

import logging
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from arenden.models import Arende, Erbjudande, Overforing, Status
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Roll
from vardformedling.personnummer import make_test_number

PNR = make_test_number(1938, 11, 23, 617)
NAMN = "Sigrid Bytesökdotter"
ADRESS = "Hemlighetsvägen 99"
# Issue 16 point 1: a distinctive marker typed into every free-text field about the patient.
FRITEXT = {
    falt: f"Zq{nr}Fritextmarkor{falt.replace('_', '').capitalize()}"
    for nr, falt in enumerate(
        ("diagnos_text", "lakemedel", "tolkbehov", "lamplighet_motivering", "bevakning_orsak", "svar_fritext",
         "utfall", "aterremittera", "avsluta", "avvikelse_vad", "avvikelse_atgard", "avslut_motivering")
    )
}  # fmt: skip


def pnr_former(nummer: str) -> list[str]:
    kort = nummer[2:]
    return [nummer, f"{nummer[:8]}-{nummer[8:]}", kort, f"{kort[:6]}-{kort[6:]}", f"{kort[:6]}+{kort[6:]}"]


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def _pg_dump() -> bytes:
    s = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
    cmd = ["pg_dump", "--no-owner", "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432)]
    cmd += ["-U", s["USER"], s["NAME"]]
    return subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120).stdout


def _texter(mapp: Path) -> list[tuple[str, bytes]]:
    if not mapp.exists():
        return []
    return [(str(p), p.name.encode() + b"\n" + p.read_bytes()) for p in mapp.rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)
def test_no_personnummer_or_name_anywhere_after_a_whole_journey(settings, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    settings.SDK_OUTBOX = tmp_path / "sdk"
    settings.RAPPORT_DIR = tmp_path / "rapporter"
    lots = make_user(Roll.VARDLOTS, "20", hsa_id="SE2321000180-VL77", namn="Bo Lots")
    koordinator = make_user(Roll.KOORDINATOR, "20", hsa_id="SE2321000180-KO77", namn="Kim Koordinator")
    enhet = VardenhetFactory(hsa_id="SE5560000001-BYTE01", namn="Byteskliniken")
    mottagare = make_user(Roll.MOTTAGARE, "03", enhet, hsa_id="SE5560000001-MO77", namn="Mo Mottagare")
    c, m = _klient(lots), _klient(mottagare)
    idag = timezone.localdate()

    # Register through the form (every field the patient's identity has), then every step through the pages.
    r = c.post(
        "/arenden/nytt/",
        {
            "personnummer": f"{PNR[2:8]}-{PNR[8:]}",
            "namn": NAMN,
            "kontaktuppgifter": f"{ADRESS}, 791 71 Falun\n070-999 88 77",
            "kontaktvag": "brev",
            "kva": "CJE",
            "beslutsdatum": (idag - timedelta(days=40)).isoformat(),
            "lamplig": "ja",
            **{f: FRITEXT[f] for f in ("diagnos_text", "lakemedel", "tolkbehov", "lamplighet_motivering")},
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    a = Arende.objects.get()
    sida = f"/arenden/{a.case_id}/"
    assert NAMN in c.get(sida).content.decode()
    r = c.post(
        f"{sida}anteckningar/", {"anteckning-typ": "kontakt", "anteckning-text": f"Ringde {NAMN}, 070-999 88 77"}
    )
    assert r.status_code == 302 and NAMN in c.get(sida).content.decode()

    def post(klient, namn, erbjudande=None, **data):
        a.refresh_from_db()
        falt = {f"{namn}-{k}": v for k, v in {"version": a.version, **data}.items()}
        if erbjudande is not None:
            falt["erbjudande"] = erbjudande
        r = klient.post(f"{sida}atgard/{namn}/", falt)
        assert r.status_code == 302, (namn, r.status_code, r.content.decode()[:3000])

    post(c, "bevaka", val="bevaka", orsak=FRITEXT["bevakning_orsak"])
    assert FRITEXT["bevakning_orsak"] in c.get(sida).content.decode()
    post(c, "bevaka", val="avsluta")
    a.refresh_from_db()
    r = c.post(
        f"{sida}erbjudanden/nytt/",
        {"version": a.version, "vardenhet": enhet.hsa_id, "erbjudet_via": "brev", "svarsfrist": "2099-01-01",
         "forvantat_datum": (idag + timedelta(days=10)).isoformat()},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:3000]
    e = Erbjudande.objects.get(arende=a)
    brev = c.get(f"{sida}erbjudanden/{e.pk}/brev/").content.decode()
    assert NAMN in brev and ADRESS in brev
    post(c, "svar", svar="ja", erbjudande=e.pk, fritext=FRITEXT["svar_fritext"])
    post(c, "overfor", dokument=["remiss", "journalutdrag"])
    # The receiving unit opens its envelope (identity from its own copy) and sends its signed receipt.
    o = Overforing.objects.get(arende=a)
    assert NAMN in m.get(f"/arenden/inkorg/{o.pk}/").content.decode()
    assert m.post(f"/arenden/inkorg/{o.pk}/kvittera/", {"kuvert": o.kuvert_sha256}).status_code == 302
    o.refresh_from_db()
    assert o.mottagen is not None
    post(m, "bekrafta", planerat_datum=idag.isoformat())
    avvikelse = {"avvikelse-vad": FRITEXT["avvikelse_vad"], "avvikelse-nar": idag.isoformat(),
                 "avvikelse-atgard": FRITEXT["avvikelse_atgard"]}  # fmt: skip
    assert m.post(f"{sida}avvikelser/", avvikelse).status_code == 302
    post(m, "utford", utfort_datum=idag.isoformat(), utfall=FRITEXT["utfall"])
    post(m, "aterremittera", motivering=FRITEXT["aterremittera"])
    # The receiving unit reads the free text it sees after the transfer (opened for it, logged).
    hos_mottagaren = m.get(sida).content.decode()
    for falt in ("diagnos_text", "lakemedel", "utfall", "aterremittera", "avvikelse_vad", "avvikelse_atgard"):
        assert FRITEXT[falt] in hos_mottagaren, falt
    post(c, "uppfoljning", faktura_belopp="9500", betald_datum=idag.isoformat(), patientupplevelse="4")
    post(c, "avsluta", motivering=FRITEXT["avsluta"])
    a.refresh_from_db()
    assert a.status == Status.AVSLUTAD
    # A second case, judged unsuitable at registration: the reason is also the closing reason.
    r = c.post(
        "/arenden/nytt/",
        {"personnummer": make_test_number(1941, 3, 4, 626), "namn": "Annan Patient", "kontaktvag": "brev",
         "kva": "CJE", "beslutsdatum": idag.isoformat(), "lamplig": "nej",
         "lamplighet_motivering": FRITEXT["avslut_motivering"]},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    # The home region's navigator sees every text on the case pages (opened in the request, never stored).
    hemma = c.get(sida).content.decode() + c.get(r["Location"]).content.decode()
    assert [f for f, text in FRITEXT.items() if text not in hemma] == []

    # Exports (worklist, follow-up tables) and the monthly reports.
    k = _klient(koordinator)
    utdata = [
        ("arbetslista csv", c.get("/arenden/", {"flik": "region", "status": "alla", "export": "csv"}).content),
        ("arbetslista xlsx", c.get("/arenden/", {"flik": "region", "status": "alla", "export": "xlsx"}).content),
        ("loggkontroll", k.get("/arenden/logg/", {"export": "csv"}).content),
    ]
    from uppfoljning.reports import skapa_manadsrapporter
    from uppfoljning.statistik import TABELLER

    for tabell in TABELLER:
        utdata.append((f"uppföljning {tabell}", k.get("/uppfoljning/", {"export": tabell, "format": "csv"}).content))
    skapa_manadsrapporter(manad=f"{idag.year}-{idag.month:02d}", regioner=["20"])
    skapa_manadsrapporter(manad=f"{(idag.replace(day=1) - timedelta(days=1)):%Y-%m}", regioner=["20"])

    dump = _pg_dump()
    assert a.case_id.encode() in dump and b"SE2321000180-VL77" in dump  # the dump is of this database
    kallor = [("pg_dump", dump), *utdata, *_texter(settings.SDK_OUTBOX), *_texter(settings.RAPPORT_DIR)]
    kallor.append(("loggar", "\n".join(r.getMessage() for r in caplog.records).encode()))
    assert any(namn.startswith(str(settings.SDK_OUTBOX)) for namn, _ in kallor)
    assert any(namn.startswith(str(settings.RAPPORT_DIR)) for namn, _ in kallor)
    hemligt = [*pnr_former(PNR), NAMN, ADRESS, "999 88 77", *FRITEXT.values()]
    fynd = [(kalla, s) for kalla, data in kallor for s in hemligt if s.encode() in data]
    assert fynd == []
