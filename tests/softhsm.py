"""A private SoftHSM for the test session: its own configuration and token folder, one token per region."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SO_PIN = "87654321"


def pin_for(label: str) -> str:
    # A PIN per token, so a test that mixes them up fails.
    return f"pin-{label.lower()}"


def skapa_konfiguration(katalog: Path) -> Path:
    """softhsm2.conf pointing at `katalog/tokens`; set SOFTHSM2_CONF to it before the module is loaded."""
    if shutil.which("softhsm2-util") is None:
        raise RuntimeError("softhsm2-util saknas: installera Debians softhsm2 (make test gör det).")
    (katalog / "tokens").mkdir(parents=True, exist_ok=True)
    conf = katalog / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {katalog / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n",
        encoding="utf-8",
    )
    return conf


def init_tokens(conf: Path, labels: list[str]) -> float:
    """Initialises one token per label (softhsm2-util, one after another: each takes the next free slot);
    returns the seconds it took."""
    start = time.perf_counter()
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    for label in labels:
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", pin_for(label)],
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start
