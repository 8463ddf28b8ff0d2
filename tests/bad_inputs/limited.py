"""Run a command under hard resource limits and report its peak memory: ``limited.py REPORT -- cmd ...``.

A separate launcher rather than ``preexec_fn``: the catalogue runs cases from two
threads, and ``preexec_fn`` is not safe with threads. The limits are inherited by the
command; a case that tried to exhaust memory or spin for ever is killed by the kernel
(RLIMIT_AS, RLIMIT_CPU) even if the test's own timeout failed. The peak resident
memory of the command (``ru_maxrss`` of the waited-for child) is written to REPORT.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

MEMORY_BYTES = 2 * 1024**3  # address space: a validation needs a few hundred MB
CPU_SECONDS = 30  # CPU time: a validation needs about one second


def main(argv: list[str]) -> int:
    report, sep, *command = argv
    assert sep == "--", "usage: limited.py REPORT -- command ..."
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    code = subprocess.call(command)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(report, "w") as fh:
        json.dump({"maxrss_kib": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime, "code": code}, fh)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
