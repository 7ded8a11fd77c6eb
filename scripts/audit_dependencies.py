"""`make lint`'s dependency audit: pip-audit on the pinned requirements, or one line
saying why it was skipped.

pip-audit asks PyPI's JSON API about each pinned version. Offline, or where that API
does not know the pinned versions (a private mirror), every package would come back
"not found" and nothing would be audited, so one pinned version is asked first (5 s
at most) and the audit is skipped, without failing lint, when it goes unanswered.
Run ``python -m scripts.audit_dependencies [requirements file]``.
"""

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYPI = "https://pypi.org/pypi"
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)", re.M)


def first_pin(text):
    """(name, version) of the first ``name==version`` line of a requirements file."""
    found = PIN.search(text)
    return (found.group(1), found.group(2)) if found else None


def answers(url, timeout=5.0):
    """Whether ``url`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # nosec B310 # http(s) URLs of our own
            return response.status == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


def main(argv):
    requirements = BASE_DIR / (argv[1] if len(argv) > 1 else "requirements-dev.txt")
    pin = first_pin((BASE_DIR / "requirements.txt").read_text())
    if pin is None or not answers(f"{PYPI}/{pin[0]}/{pin[1]}/json"):
        asked = "==".join(pin) if pin else "a pinned requirement"
        sys.stdout.write(
            f"pip-audit skipped: PyPI's JSON API did not answer for {asked} within 5 s.\n"
        )
        return 0
    # Every requirement is pinned, transitive ones too: no resolver, no virtualenv.
    command = [
        *(sys.executable, "-m", "pip_audit"),
        *("--requirement", str(requirements)),
        *("--no-deps", "--disable-pip", "--progress-spinner", "off"),
    ]
    return subprocess.run(command, check=False).returncode  # nosec B603 # fixed arguments


if __name__ == "__main__":
    sys.exit(main(sys.argv))
