"""Reads the key-service settings from the environment (used by vardformedling/settings.py; imports no Django).

NYCKELTJANST            lokal (default) | pkcs11
VF_NYCKLAR_DIR          the local backend's folder (default var/nycklar/)
PKCS11_MODULE           the PKCS#11 module used by every region that names no module of its own
PKCS11_TOKEN_<RR>       region RR's token label; a region without one has no key service (pkcs11)
PKCS11_MODULE_<RR>      region RR's own module, when its HSM is another vendor's
PKCS11_PIN_<RR>         region RR's user PIN, or PKCS11_PIN_FIL_<RR>: a file holding it (read when the
                        session opens; never copied into settings)
PKCS11_NYTT_FORSOK      seconds a refused PIN is remembered before it is tried again (default 30)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"PKCS11_TOKEN_(\d{2})")


def pkcs11_regioner(miljo: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """{"20": {"modul": "/usr/lib/…/libX.so", "token": "VF-20"}, …} for every region with a PKCS11_TOKEN_<RR>."""
    standard = miljo.get("PKCS11_MODULE", "").strip()
    regioner = {}
    for namn, varde in miljo.items():
        if (m := _TOKEN.fullmatch(namn)) and varde.strip():
            rr = m.group(1)
            regioner[rr] = {"modul": miljo.get(f"PKCS11_MODULE_{rr}", "").strip() or standard, "token": varde.strip()}
    return dict(sorted(regioner.items()))
