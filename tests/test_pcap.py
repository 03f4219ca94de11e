"""pcap export decoded by tshark: flags, seq, ack and checksums match the trace."""

import shutil
import subprocess

import pytest

from tcplab.pcap import encode_options, segment_to_packet, write_pcap
from tcplab.segment import Flags, Options, Segment
from tcplab.sim.network import Network
from tcplab.sim.scenarios import run_scenario

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(
    TSHARK is None, reason="tshark is not installed (apt-get install tshark)"
)


def tshark_fields(path, *fields):
    cmd = [
        TSHARK,
        "-r",
        str(path),
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
        "-T",
        "fields",
    ]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.strip().splitlines()]


def test_options_are_padded_words():
    assert encode_options(Options(mss=1460)) == b"\x02\x04\x05\xb4"
    assert len(encode_options(Options(mss=1460, wscale=7, ts=(1, 2)))) % 4 == 0
    pkt = segment_to_packet(Segment(seq=1, flags="SYN", options=Options(mss=1460)))
    assert pkt[0] == 0x45 and len(pkt) == 20 + 24


@needs_tshark
@pytest.mark.parametrize("name", ["close-lost-ack2", "rebooted-client", "connection-refused"])
def test_tshark_agrees_with_the_trace(tmp_path, name):
    r = run_scenario(name, seed=2)
    path = tmp_path / "t.pcap"
    n = write_pcap(r, path)
    rows = tshark_fields(
        path,
        "tcp.flags",
        "tcp.seq_raw",
        "tcp.ack_raw",
        "tcp.checksum.status",
        "ip.checksum.status",
        "tcp.len",
    )
    assert len(rows) == n == len(r.trace)
    for (flags, seq, ack, tcp_ok, ip_ok, length), t in zip(rows, r.trace.itertuples(), strict=True):
        seg = r.records[t.id]["segment"]
        assert int(flags, 16) == int(seg.flags)
        assert int(seq) == t.seq
        if seg.has_ack:
            assert int(ack) == t.ack
        assert tcp_ok == "1" and ip_ok == "1"  # 1 = "Good" in Wireshark
        assert int(length) == t.payload


@needs_tshark
def test_window_scale_and_timestamps_reach_wireshark(tmp_path):
    net = Network(seed=2)
    a, b = net.add_host("A", "10.0.0.1"), net.add_host("B", "10.0.0.2")
    b.listen(80, wscale=7, timestamps=True, rcv_wnd=1 << 20)
    net.at(0, lambda t: a.connect(t, 40000, b, 80, wscale=8, timestamps=True, rcv_wnd=1 << 20))
    net.at(0.5, lambda t: a.endpoint().send(b"x" * 3000, t))
    r = net.run()
    path = tmp_path / "ws.pcap"
    write_pcap(r, path)
    rows = tshark_fields(
        path,
        "tcp.options.mss_val",
        "tcp.options.wscale.shift",
        "tcp.options.timestamp.tsval",
        "tcp.checksum.status",
    )
    assert rows[0][:2] == ["1460", "8"] and rows[1][:2] == ["1460", "7"]
    assert all(row[2] != "" for row in rows) and all(row[3] == "1" for row in rows)
    assert bytes(b.endpoint().received) == b"x" * 3000


def test_path_must_be_a_path_or_binary_file_not_a_descriptor(tmp_path):
    result = run_scenario("handshake", seed=1)
    for bad in (True, 1, None, b"x.pcap"):
        with pytest.raises(TypeError, match=f"path = {bad!r}"):
            write_pcap(result, bad)
    with open(tmp_path / "t.txt", "w") as text, pytest.raises(TypeError, match="mode 'wb'"):
        write_pcap(result, text)


def test_binary_file_object_is_written_and_left_open(tmp_path):
    import io

    buf = io.BytesIO()
    n = write_pcap(run_scenario("handshake", seed=1), buf)
    assert n >= 3 and not buf.closed
    assert buf.getvalue()[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")  # pcap magic


@pytest.mark.parametrize("t", [3e9, float("nan"), float("inf"), -1.0])
def test_times_that_pcap_cannot_hold_are_rejected_before_writing(tmp_path, t):
    out = tmp_path / "x.pcap"
    with pytest.raises(ValueError, match="time = "):
        write_pcap([(0.0, Segment(seq=1)), (t, Segment(seq=2))], out)
    assert not out.exists()


def test_bad_items_are_named():
    with pytest.raises(TypeError, match=r"result\[0\] segment = 'x'"):
        write_pcap([(0.0, "x")], "unused.pcap")
    with pytest.raises(TypeError, match="o = None"):
        encode_options(None)
    with pytest.raises(ValueError, match="ttl = 256"):
        segment_to_packet(Segment(seq=1), ttl=256)


def test_packet_to_segment_is_the_inverse_of_segment_to_packet():
    from tcplab.pcap import decode_options, packet_to_segment

    seg = Segment(
        seq=7,
        ack=9,
        flags=Flags.SYN | Flags.ACK,
        window=1000,
        payload=b"hi",
        options=Options(mss=1460, wscale=7, ts=(5, 6)),
        src_addr="10.0.0.1",
        src_port=1234,
        dst_addr="10.0.0.2",
        dst_port=80,
    )
    back = packet_to_segment(segment_to_packet(seg))
    assert back is not None
    for field in ("seq", "ack", "window", "payload", "options", "src_addr", "src_port"):
        assert getattr(back, field) == getattr(seg, field), field
    assert int(back.flags) == int(seg.flags)
    assert decode_options(bytes([3, 3, 15, 0])).wscale == 14  # RFC 7323: above 14 means 14
    assert decode_options(b"\x02\x09garbage") == Options()  # malformed: ignored
    udp = bytearray(segment_to_packet(seg))
    udp[9] = 17
    assert packet_to_segment(bytes(udp)) is None  # not TCP
    assert packet_to_segment(b"\x45" + b"\x00" * 10) is None  # truncated
    with pytest.raises(TypeError, match="raw"):
        packet_to_segment("not bytes")  # type: ignore[arg-type]
