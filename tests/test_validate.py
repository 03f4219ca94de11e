"""The shared argument checks in tcplab._validate."""

import io
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from tcplab import _validate as v
from tcplab.fsm import Event, State


def test_integer_accepts_numpy_and_returns_int():
    got = v.integer(np.int64(7), "n", ge=1)
    assert got == 7 and type(got) is int


@pytest.mark.parametrize("bad", [True, np.bool_(False), 3.0, "3", None, b"3"])
def test_integer_wrong_type_is_type_error_naming_value(bad):
    with pytest.raises(TypeError) as err:
        v.integer(bad, "trials", ge=1)
    assert str(err.value).startswith(f"trials = {v.short(bad)}: expected an int")
    assert isinstance(err.value, ValueError)  # old `except ValueError` callers keep working


def test_integer_out_of_range_is_value_error():
    with pytest.raises(
        ValueError, match=r"backlog = 2147483648: expected an int in 0 … 2147483647"
    ):
        v.integer(2**31, "backlog", ge=0, le=v.MAX_BACKLOG)
    with pytest.raises(ValueError) as err:
        v.integer(0, "n", gt=0)
    assert not isinstance(err.value, TypeError)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400])
def test_number_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="expected a finite"):
        v.number(bad, "tick", gt=0)


def test_number_allow_inf_and_bounds():
    assert v.number(math.inf, "t", ge=0, allow_inf=True) == math.inf
    with pytest.raises(ValueError):
        v.number(math.nan, "t", allow_inf=True)
    assert v.number(np.float32(0.5), "p", gt=0, lt=1) == 0.5
    assert v.probability(1, "q") == 1.0
    with pytest.raises(TypeError):
        v.number("1", "t")


def test_probability_message():
    with pytest.raises(ValueError, match=r"loss = 1.5: expected a finite probability in 0 … 1"):
        v.probability(1.5, "loss")


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("LISTEN", State.LISTEN),
        ("listen", State.LISTEN),
        ("syn-sent", State.SYN_SENT),
        ("SYN_SENT", State.SYN_SENT),
        (State.TIME_WAIT, State.TIME_WAIT),
    ],
)
def test_enum_member_by_member_name_or_value(text, member):
    assert v.enum_member(text, "state", State) is member


def test_enum_member_by_value_with_spaces():
    assert v.enum_member("passive open", "event", Event) is Event.PASSIVE_OPEN


def test_enum_member_rejects_other_enum_and_unknown_names():
    with pytest.raises(TypeError, match="expected a State or one of its names"):
        v.enum_member(Event.CLOSE, "state", State)
    with pytest.raises(ValueError, match=r"state = 'OPEN': expected a State"):
        v.enum_member("OPEN", "state", State)


def test_short_truncates_huge_values():
    assert len(v.short("x" * 10**6)) <= 80
    assert len(v.short(list(range(10**6)))) <= 80
    with pytest.raises(ValueError) as err:
        v.string("y" * 10**6, "name", max_len=10)
    assert len(str(err.value)) < 200


def test_short_survives_a_broken_repr():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no")

    assert "Broken" in v.short(Broken())


def test_byte_string_length_and_type():
    assert v.byte_string(bytearray(b"k" * 16), "secret", length=16) == b"k" * 16
    with pytest.raises(TypeError, match="expected 16 bytes"):
        v.byte_string("k" * 16, "secret", length=16)
    with pytest.raises(ValueError, match="got 3 bytes"):
        v.byte_string(b"abc", "secret", length=16)


def test_binary_file_rejects_fds_and_text_files(tmp_path):
    for bad in (True, 1, b"x.pcap", sys.stdout, io.StringIO()):
        with pytest.raises(TypeError):
            v.binary_file(bad, "path")
    assert v.binary_file(tmp_path / "x.pcap", "path") == tmp_path / "x.pcap"
    buf = io.BytesIO()
    assert v.binary_file(buf, "path") is buf
    with open(tmp_path / "t.txt", "w") as text, pytest.raises(TypeError, match="mode 'wb'"):
        v.binary_file(text, "path")


def test_sequence_bounds_before_reading_everything():
    assert v.sequence([1, 2], "xs", item=lambda x, n: v.integer(x, n)) == (1, 2)
    with pytest.raises(ValueError, match="got 11"):
        v.sequence(range(11), "xs", max_len=10)

    def endless():
        while True:
            yield 0

    with pytest.raises(ValueError, match="0 … 5 items"):
        v.sequence(endless(), "xs", max_len=5)
    with pytest.raises(TypeError):
        v.sequence("abc", "xs")
    with pytest.raises(ValueError, match=r"xs\[1\] = -1"):
        v.sequence([1, -1], "xs", item=lambda x, n: v.integer(x, n, ge=0))


def test_work_checks_products_before_allocation():
    assert v.work(3000 * 30, "arrival_rate × duration") == 90000
    with pytest.raises(ValueError, match="at most 10,000,000"):
        v.work(1e12, "arrival_rate × duration")
    with pytest.raises(ValueError):
        v.work(math.inf, "arrival_rate × duration")


def test_boolean_and_choice():
    assert v.boolean(np.bool_(True), "flag") is True
    with pytest.raises(TypeError, match="flag = 1: expected True or False"):
        v.boolean(1, "flag")
    assert v.choice("linux", "timers", ("linux", "rfc9293")) == "linux"
    with pytest.raises(ValueError, match="timers = 'rfc': expected one of 'linux', 'rfc9293'"):
        v.choice("rfc", "timers", ("linux", "rfc9293"))


def test_path_accepts_str_and_pathlike_only(tmp_path):
    assert v.path("a/b", "root") == Path("a/b")
    assert v.path(tmp_path, "root") == tmp_path
    for bad in (1, None, b"/proc", True):
        with pytest.raises(TypeError, match=f"root = {v.short(bad)}"):
            v.path(bad, "root")
    with pytest.raises(ValueError, match="non-empty"):
        v.path("", "root")
