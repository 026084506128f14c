"""Region-held keys and the cryptography built on them (README "Nycklar och kryptering").

    tjanst.py          the key-service interface (wrap, unwrap, keyed hash, versions, rotate, rewrap) and
                       `nyckeltjanst()`, the backend settings name (NYCKELTJANST)
    lokal.py           key files under VF_NYCKLAR_DIR (make run)
    hsm.py             PKCS#11 tokens, one per region (python-pkcs11; SoftHSM in tests)
    falt.py            AES-256-GCM field encryption and sealed identity documents
    enhetsnycklar.py   care units' X25519 + Ed25519 key pairs
    kuvert.py          end-to-end referral envelopes (HPKE + Ed25519) and signed receipts
    omslag.py          rotation: apps register where their wrapped data keys are
    fel.py             the exceptions, each with a Swedish message for pages
    installningar.py   the settings read from the environment

This package is imported by settings (installningar), so it imports no Django models at module level.
"""

from vardformedling.nycklar.fel import KryptoFel, NyckelEjTillganglig
from vardformedling.nycklar.tjanst import Nyckeltjanst, nyckeltjanst

__all__ = ["KryptoFel", "NyckelEjTillganglig", "Nyckeltjanst", "nyckeltjanst"]
