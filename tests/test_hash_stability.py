"""Per-student and per-peer values are the same in every process, whatever PYTHONHASHSEED.

Python salts ``hash()`` of str/bytes per process; anything a student or a peer gets must
come from a real digest (SHA-256, SipHash with a fixed key) instead. Each probe runs in
fresh interpreters with different hash seeds and must print the same thing.
"""

import os
import subprocess
import sys

STUDENT_PARAMS = """
from tcplab.check import labels
from tcplab.check._core import student_rng
from tcplab.check import exercise, get_spec
out = []
for label in sorted(labels())[:12]:
    out.append((label, repr(exercise(label, "student-42").params)))
    out.append((label, repr(get_spec(label).make_params(student_rng(label, "student-42")))))
print(out)
"""

PEER_ISS = """
from tcplab.listener import Listener
l = Listener(seed=1)
print([l.on_syn(0.0, peer).iss for peer in ("peer-7", ("not", "a", "tuple"), 12345)])
"""


def _run(code, hashseed):
    env = dict(os.environ, PYTHONHASHSEED=str(hashseed))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_student_parameters_do_not_depend_on_the_hash_seed():
    assert _run(STUDENT_PARAMS, 1) == _run(STUDENT_PARAMS, 2) == _run(STUDENT_PARAMS, 977)


def test_listener_iss_for_abstract_peers_does_not_depend_on_the_hash_seed():
    assert _run(PEER_ISS, 1) == _run(PEER_ISS, 2)
