"""`make screenshots`: a screenshot of every main page for each demo identity at 1366 px and 390 px wide.

Starts the app on the demo data in its own SQLite file (var/screenshots.sqlite3, embedded settings: eager Celery,
no Redis), signs in through the SITHS stub's cards in headless Chromium (Debian's, CHROMIUM to override) and writes
screenshots/<identity>/<page>-<width>.png (the folder is not committed). For a reviewer to look through; not a test.

Usage: python scripts/screenshots.py [--bara HSA-ID] [--port 8765]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UT = ROOT / "screenshots"
BREDDER = (1366, 390)
GEMENSAMMA = [
    ("start", "/"),
    ("hjalp", "/hjalp/"),
    ("sok-cje", "/katalog/sok/?kva=CJE"),
    ("enhet", "/katalog/enheter/SE5560000001-OGON02/"),
    ("kapacitet", "/katalog/kapacitet/"),
    ("lagesbild", "/lagesbild/?kva=CJE&period=90&niva=enhet"),
    ("lagesbild-enhet", "/lagesbild/enheter/SE5560000001-OGON02/"),
    ("vantetider", "/lagesbild/vantetider/"),
    ("avtal", "/avtal/"),
]
SIDOR = {
    "SE2321000180-VL01": [*GEMENSAMMA, ("arenden", "/arenden/"), ("nytt-arende", "/arenden/nytt/"), ("ARENDE", "")],
    "SE2321000057-KO01": [
        *GEMENSAMMA,
        ("arenden-region", "/arenden/?flik=region&status=alla"),
        ("uppfoljning", "/uppfoljning/?period=365"),
        ("loggkontroll", "/arenden/logg/"),
        ("ARENDE", ""),
    ],
    "SE2321000016-AD01": [
        ("start", "/"),
        ("avtal-uppladdning", "/avtal/uppladdning/"),
        ("katalog-import", "/katalog/import/"),
        ("registerimporter", "/lagesbild/importer/"),
        ("avtal", "/avtal/"),
        ("uppfoljning", "/uppfoljning/?period=365"),
    ],
    "SE5560000001-MO01": [
        ("start", "/"),
        ("arenden", "/arenden/"),
        ("lagesbild", "/lagesbild/?kva=CJE&period=90&niva=enhet"),
        ("kapacitet", "/katalog/kapacitet/"),
        ("ARENDE", ""),
    ],
}


def ledig_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--bara", help="only this HSA-id")
    args.add_argument("--port", type=int, default=0)
    opts = args.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    (ROOT / "var").mkdir(exist_ok=True)
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{ROOT / 'var' / 'screenshots.sqlite3'}")
    py = sys.executable
    for cmd in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run([py, "manage.py", *cmd], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = opts.port or ledig_port()
    bas = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [py, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(bas + "/healthz", timeout=2)  # noqa: S310 (our own http://127.0.0.1)
                break
            except OSError:
                time.sleep(0.5)
        return fotografera(bas, opts.bara)
    finally:
        server.terminate()
        server.wait(timeout=20)


def forsta_arende(page) -> str | None:
    """The first case link in the identity's worklist (a case page from the demo data)."""
    page.goto("/arenden/?status=alla")
    lank = page.locator("a[href^='/arenden/VF-']").first
    return lank.get_attribute("href") if lank.count() else None


def fotografera(bas: str, bara: str | None) -> int:
    from playwright.sync_api import sync_playwright

    if UT.exists():
        shutil.rmtree(UT)
    antal = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True, args=["--no-sandbox"]
        )
        for hsa_id, sidor in SIDOR.items():
            if bara and hsa_id != bara:
                continue
            context = browser.new_context(base_url=bas, locale="sv-SE")
            page = context.new_page()
            page.goto("/login/")
            page.locator(f"form.siths-card:has(input[value='{hsa_id}']) button").click()
            page.wait_for_url("**/")
            for namn, url in sidor:
                if namn == "ARENDE":
                    arende_url = forsta_arende(page)
                    if not arende_url:
                        continue
                    namn, url = "arende", arende_url
                for bredd in BREDDER:
                    page.set_viewport_size({"width": bredd, "height": 900 if bredd > 1000 else 844})
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    fil = UT / hsa_id / f"{namn}-{bredd}.png"
                    fil.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(fil), full_page=True)
                    antal += 1
            context.close()
        if not bara:
            antal += fotografera_patienter(browser, bas)
        browser.close()
    print(f"{antal} skärmbilder i {UT.relative_to(ROOT)}/")
    return 0


# The demo patients (patient/inloggning.py) and their pages: screenshots/patient-<name>/<page>-<width>.png.
PATIENTER = ["Tolvan Tolvansson", "Tio Tiosson"]


def fotografera_patienter(browser, bas: str) -> int:
    antal = 0
    for namn in PATIENTER:
        context = browser.new_context(base_url=bas, locale="sv-SE")
        page = context.new_page()
        page.goto("/patient/logga-in/")
        page.get_by_role("button", name=f"Logga in som {namn}").click()
        page.wait_for_url("**/patient/")
        arende = page.locator("a[href^='/patient/arenden/VF-']").first.get_attribute("href")
        for sida, url in (("start", "/patient/"), ("arende", arende), ("kontakt", "/patient/kontakta-mig/")):
            for bredd in BREDDER:
                page.set_viewport_size({"width": bredd, "height": 900 if bredd > 1000 else 844})
                page.goto(url or "/patient/")
                fil = UT / f"patient-{namn.split()[0].lower()}" / f"{sida}-{bredd}.png"
                fil.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(fil), full_page=True)
                antal += 1
        context.close()
    return antal


if __name__ == "__main__":
    sys.exit(main())
