"""``python -m scripts.bench.child USAGE_FILE COMMAND...``: run COMMAND to its end and
write its exit status, wall seconds, CPU seconds (user + system) and peak resident
memory in MB, as JSON, to USAGE_FILE; exit with its status.

Linux counts in a child's peak memory what its parent held when it started it (the
pages a fork shares until the exec), so the bench, holding a generated export of
tens of megabytes, starts the commands it measures through this small process.
"""

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def main():
    usage_file, *command = sys.argv[1:]
    started = time.monotonic()
    status = subprocess.call(command)  # nosec B603 # the bench's own commands, no shell
    wall = time.monotonic() - started
    # This process has no other child: the figures are the command's own.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "status": status,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
    }
    Path(usage_file).write_text(json.dumps(figures))
    sys.exit(status)


if __name__ == "__main__":
    main()
