"""Notebook 00's environment check: every check answers, missing pieces say what to do."""

import tcplab.doctor as doctor


def test_every_check_answers_and_renders():
    report = doctor.environment_report()
    names = [c.name for c in report]
    assert any("Graphviz" in n for n in names) and any("live labs" in n for n in names)
    assert "<table>" in report._repr_html_()
    assert all(c.ok or c.fix for c in report)  # anything missing comes with a fix


def test_missing_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setattr(doctor, "have", lambda tool: False)
    check = doctor._graphviz()
    assert not check.ok and "apt-get install graphviz" in check.fix
    assert "brew install graphviz" in check.fix


def test_live_labs_off_linux_are_explained(monkeypatch):
    import tcplab.live

    monkeypatch.setattr(tcplab.live, "live_available", lambda: (False, "the live labs need Linux"))
    check = doctor._live()
    assert not check.ok and "Linux" in check.detail and check.fix
