"""Running an import command on files with a personnummer in their names (import_katalog, import_avtal)."""

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

PERSONNUMMER = ("19121212-1212", "19121212_1212", "121212.1212", "19121212 1212")


@dataclass
class Korning:
    out: str
    err: str
    fel: list[str]  # the CommandError of: the bad file, a missing one, an unreadable one
    logg: str

    def lackor(self, *lagrat: str) -> list[str]:
        text = " ".join([self.out, self.err, *self.fel, self.logg, *lagrat])
        return [n for n in PERSONNUMMER if n in text]


def kor(request, kommando: str, prefix: str, *, bra: bytes, dalig: bytes) -> Korning:
    """`kommando` on a good file, a bad one, a missing one and an unreadable one, each with a personnummer in its
    name or path, the different separators in turn. `request` is the test's (for tmp_path, capsys, caplog)."""
    tmp_path, capsys, caplog, monkeypatch = (
        request.getfixturevalue(f) for f in ("tmp_path", "capsys", "caplog", "monkeypatch")
    )
    caplog.set_level(logging.DEBUG)
    filer = {}
    for namn, innehall in (("bra", bra), ("dalig", dalig), ("olasbar", bra)):
        filer[namn] = tmp_path / f"{prefix}_{PERSONNUMMER[len(filer)]}.csv"
        filer[namn].write_bytes(innehall)
    call_command(kommando, str(filer["bra"]))
    fel = []
    for fil in (filer["dalig"], tmp_path / PERSONNUMMER[3] / f"{prefix}.csv", filer["olasbar"]):
        if fil == filer["olasbar"]:

            def read_bytes(self):
                raise PermissionError(13, "Permission denied", str(self))

            monkeypatch.setattr(Path, "read_bytes", read_bytes)
        with pytest.raises(CommandError) as undantag:
            call_command(kommando, str(fil))
        fel.append(str(undantag.value))
    out = capsys.readouterr()
    return Korning(out.out, out.err, fel, caplog.text)
