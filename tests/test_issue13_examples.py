"""The examples issue 13 names, each answered by a clear ValueError/TypeError at the boundary.

Each message must name the bad value.
"""

import io
import math
import sys

import pytest

from tcplab import TcpStateMachine
from tcplab.check._model import Step, run_script
from tcplab.fsm import Event, State
from tcplab.isn import LinuxIsn, Rfc793Clock, attacker_prediction
from tcplab.pcap import write_pcap
from tcplab.segment import Segment
from tcplab.sim.scenarios import run_scenario


def test_state_machine_accepts_a_state_name():
    m = TcpStateMachine(state="LISTEN")
    assert m.state is State.LISTEN
    assert m.handle("CLOSE").target is State.CLOSED


@pytest.mark.parametrize(
    ("call", "exc", "shown"),
    [
        (lambda: TcpStateMachine(state="OPEN"), ValueError, "state = 'OPEN'"),
        (lambda: Rfc793Clock(tick=0), ValueError, "tick = 0"),
        (lambda: LinuxIsn(secret="k" * 16), TypeError, "secret = 'kkkkkkkkkkkkkkkk'"),
        (lambda: run_script([Step("bogus", Event.CLOSE)]), ValueError, "side = 'bogus'"),
        (lambda: Segment(seq=1, payload=2**32), ValueError, "payload = 4294967296"),
        (lambda: attacker_prediction(trials=2**32), ValueError, "trials = 4294967296"),
        (lambda: write_pcap(run_scenario("handshake"), True), TypeError, "path = True"),
        (
            lambda: write_pcap([(math.inf, Segment(seq=1))], io.BytesIO()),
            ValueError,
            "time = inf",
        ),
    ],
)
def test_bad_values_are_rejected_at_the_boundary_naming_the_value(call, exc, shown):
    with pytest.raises(exc) as err:
        call()
    assert shown in str(err.value)
    assert len(str(err.value)) <= 300


def test_write_pcap_never_touches_stdout():
    fd_before = sys.stdout.fileno() if hasattr(sys.stdout, "fileno") else None
    with pytest.raises(TypeError):
        write_pcap(run_scenario("handshake"), 1)
    if fd_before is not None:
        assert sys.stdout.fileno() == fd_before


def test_listener_config_rejects_a_string_backlog():
    from tcplab.listener import ListenerConfig

    with pytest.raises((TypeError, ValueError), match="backlog = 'x'"):
        ListenerConfig(backlog="x")


def test_endpoint_rejects_nan_time_wait_and_infinite_now():
    from tcplab.endpoint import Endpoint

    with pytest.raises(ValueError, match="nan"):
        Endpoint(iss=1, time_wait=math.nan)
    with pytest.raises(ValueError, match="inf"):
        Endpoint(iss=1).open(now=math.inf)
    with pytest.raises(ValueError, match="local = None"):
        Endpoint(iss=1, local=None)
