"""Run Lighthouse (from npm, on Debian's Chromium, offline) against the production
server and print the four category scores and the page weight.

Used by `make lighthouse`. Starts gunicorn with production settings on 127.0.0.1
(DEBUG off, WhiteNoise, compressed responses), audits the home page and the first
article on mobile and desktop, and prints one table. A report, not a test.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("LIGHTHOUSE_PORT", "8041"))
ORIGIN = f"http://127.0.0.1:{PORT}"
PAGES = {"home": "/", "article": "/articles/heroin-withdrawal-physiology/"}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--disable-dev-shm-usage"
)


def production_env():
    env = dict(os.environ)
    env.update(
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS_ONLY="0",
        DEBUG="0",
        # Hero renditions live in MEDIA_ROOT; in production a web server serves them.
        SERVE_MEDIA="1",
        GUNICORN_BIND=f"127.0.0.1:{PORT}",
        GUNICORN_ACCESSLOG="/dev/null",
    )
    return env


def start_server(env):
    python = BASE_DIR / ".venv" / "bin" / "python"
    subprocess.run(  # nosec B603 # manage.py with fixed arguments, no shell
        [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    server = subprocess.Popen(  # nosec B603 # gunicorn with fixed arguments, no shell
        [
            BASE_DIR / ".venv" / "bin" / "gunicorn",
            "recovery_site.wsgi",
            "--config",
            "recovery_site/gunicorn.conf.py",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for _attempt in range(60):
        try:
            with urllib.request.urlopen(f"{ORIGIN}/healthz", timeout=2):  # nosec B310 # ORIGIN is http://127.0.0.1
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("The server did not start on " + ORIGIN)


def audit(url, form_factor, output):
    command = [
        str(BASE_DIR / "node_modules" / ".bin" / "lighthouse"),
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    # Chromium occasionally fails to start on a busy 2-core machine; try once more.
    if subprocess.run(command, env=env).returncode != 0:  # nosec B603 # Lighthouse with fixed arguments, no shell
        subprocess.run(command, check=True, env=env)  # nosec B603 # Lighthouse with fixed arguments, no shell
    report = json.loads(Path(output).read_text())
    scores = [round(report["categories"][name]["score"] * 100) for name in CATEGORIES]
    weight = report["audits"]["total-byte-weight"]["numericValue"]
    requests = len(report["audits"]["network-requests"]["details"]["items"])
    failed = [
        audit["id"]
        for audit in report["audits"].values()
        if audit.get("scoreDisplayMode") in {"binary", "numeric"}
        and audit.get("score") is not None
        and audit["score"] < 1
        and not audit["id"].endswith("-insight")  # advice, not part of any score
    ]
    return scores, weight, requests, failed


def main():
    server = start_server(production_env())
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name, path in PAGES.items():
                for form_factor in ("mobile", "desktop"):
                    output = Path(folder) / f"{name}-{form_factor}.json"
                    rows.append((name, form_factor, *audit(ORIGIN + path, form_factor, output)))
    finally:
        server.terminate()
        server.wait(timeout=20)

    lines = [
        "| Page | Device | Performance | Accessibility | Best practices | SEO "
        "| Transfer | Requests |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, form_factor, scores, weight, requests, _failed in rows:
        lines.append(
            f"| {name} | {form_factor} | {' | '.join(str(s) for s in scores)} "
            f"| {weight / 1024:.1f} KB | {requests} |"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    for name, form_factor, _scores, _weight, _requests, failed in rows:
        if failed:
            sys.stdout.write(f"{name} {form_factor}: audits below 100: {', '.join(failed)}\n")


if __name__ == "__main__":
    main()
