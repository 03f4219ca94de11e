"""Segments: SEG.LEN counts SYN and FIN; bad fields are refused with clear errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcplab.segment import Flags, Options, Segment, parse_flags


def test_syn_and_fin_each_consume_one_sequence_number():
    assert Segment(seq=100, flags="SYN").seg_len == 1
    assert Segment(seq=100, flags="FIN+ACK").seg_len == 1
    assert Segment(seq=100, flags="ACK").seg_len == 0
    assert Segment(seq=100, flags="ACK", payload=b"hello").seg_len == 5
    assert Segment(seq=100, flags="FIN|ACK", payload=b"bye").seg_len == 4


def test_end_wraps_around_2_32():
    s = Segment(seq=2**32 - 1, flags="SYN")
    assert s.end == 0
    assert Segment(seq=2**32 - 2, flags="ACK", payload=b"abcd").end == 2


def test_flags_parse_in_every_spelling():
    both = Flags.SYN | Flags.ACK
    for spec in ("SYN+ACK", "syn|ack", "SYN,ACK", ["SYN", "ACK"], 0x12, both):
        assert parse_flags(spec) == both
    assert parse_flags("") == Flags(0)
    assert Segment(seq=1, flags="SYN+ACK").flag_names == "SYN+ACK"
    assert Segment(seq=1, flags="SYN+ACK").kind == "SYN-ACK"
    assert Segment(seq=1, flags="ACK", payload=3).kind == "DATA"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"flags": "SYN+URG"}, "URG"),
        ({"flags": 0x40}, "0x40"),
        ({"seq": 2**32}, "4294967296"),
        ({"seq": -1}, "-1"),
        ({"ack": 2**33}, str(2**33)),
        ({"src_port": 70000}, "70000"),
        ({"window": 65536}, "65536"),
        ({"dst_addr": "10.0.0.300"}, "10.0.0.300"),
        ({"payload": -3}, "-3"),
    ],
)
def test_bad_fields_raise_value_error_naming_the_value(kwargs, named):
    args = {"seq": 1, **kwargs}
    with pytest.raises(ValueError, match=named):
        Segment(**args)


def test_options_are_checked():
    assert Options(mss=1460, wscale=7, ts=(1, 0))
    assert not Options()
    with pytest.raises(ValueError, match="15"):
        Options(wscale=15)
    with pytest.raises(ValueError, match="MSS"):
        Options(mss=0)


def test_four_tuple_and_describe():
    s = Segment(
        seq=300,
        ack=101,
        flags="SYN+ACK",
        src_port=80,
        dst_port=40000,
        src_addr="10.0.0.2",
        dst_addr="10.0.0.1",
    )
    assert s.four_tuple.reversed() == ("10.0.0.1", 40000, "10.0.0.2", 80)
    assert s.describe() == "SYN+ACK seq=300 ack=101"


@given(st.integers(0, 2**32 - 1), st.binary(max_size=50), st.booleans(), st.booleans())
def test_end_is_seq_plus_seg_len_mod_2_32(seq, payload, syn, fin):
    flags = (Flags.SYN if syn else Flags(0)) | (Flags.FIN if fin else Flags(0)) | Flags.ACK
    s = Segment(seq=seq, flags=flags, payload=payload)
    assert s.end == (seq + len(payload) + syn + fin) % 2**32


def test_payload_length_is_bounded_before_allocation():
    with pytest.raises(ValueError, match="payload = 4294967296: expected a payload length"):
        Segment(seq=1, payload=2**32)
    with pytest.raises(TypeError, match="payload = 1.5"):
        Segment(seq=1, payload=1.5)
    assert Segment(seq=1, payload=np.int64(3)).payload == b"\0\0\0"


@pytest.mark.parametrize(
    ("kwargs", "exc", "named"),
    [
        ({"seq": "1"}, TypeError, "seq = '1'"),
        ({"window": True}, TypeError, "window = True"),
        ({"src_addr": None}, TypeError, "src_addr = None"),
        ({"options": {"mss": 1}}, TypeError, "options = {'mss': 1}"),
        ({"flags": 1.5}, TypeError, "flags = 1.5"),
        ({"flags": ["SYN", "BOGUS"]}, ValueError, "'BOGUS'"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_value(kwargs, exc, named):
    with pytest.raises(exc, match=named):
        Segment(**{"seq": 1, **kwargs})


def test_numpy_fields_become_ints():
    s = Segment(seq=np.uint32(7), ack=np.int64(9), window=np.int32(100))
    assert type(s.seq) is int and type(s.ack) is int and type(s.window) is int
    assert Options(ts=[np.int64(1), 2]).ts == (1, 2)
