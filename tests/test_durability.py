"""Nothing lost, nothing sent (issue 6): a killed build leaves the previous output intact, two
builds into one folder never run at once, and a build and a query reach no network.

The killed build and the network test run ``kg`` in child processes; the rest run in this
process with the session's pipeline.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.atomic import LOCK_NAME, FolderLocked, folder_lock
from kg.cli import cli
from tests.conftest import ROOT
from tests.rdfcheck import check_rdf

KG = os.path.join(os.path.dirname(sys.executable), "kg")
PROVINCES = ["河北", "山西", "辽宁", "吉林", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北",
             "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海"]
TOPICS = ["人工智能", "工业互联网", "新能源汽车", "集成电路", "生物医药", "低空经济", "新型储能", "智能制造"]


def write_corpus(folder: Path, start: int, count: int) -> list[str]:
    """``count`` short articles (numbered from ``start``), each a different text."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(start, start + count):
        prov, topic = PROVINCES[i % len(PROVINCES)], TOPICS[(i // len(PROVINCES)) % len(TOPICS)]
        text = (f"{prov}省人民政府印发《关于推进{topic}产业第{i}号发展的实施意见》。"
                f"工业和信息化部部长金壮龙在{prov}调研{topic}产业发展情况。"
                f"他强调，要深入实施“{topic}+”行动，支持{prov}省{topic}企业创新发展。\n")
        name = f"a{i:05d}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    return names


def _changes(out: Path, since: float) -> list[Path]:
    """Files under ``out`` (but the lock) modified after ``since``."""
    found = []
    for p in out.rglob("*"):
        try:
            if p.name != LOCK_NAME and p.is_file() and p.stat().st_mtime > since:
                found.append(p)
        except FileNotFoundError:
            pass
    return found


def _kill_when(child: subprocess.Popen, ready, deadline_s: float) -> str:
    """SIGKILL ``child`` as soon as ``ready()`` holds; "killed", or "finished" if it ended first."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if child.poll() is not None:
            return "finished"
        if ready():
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            return "killed"
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    return "killed at the deadline"


def _lock_holder(out: Path) -> int | None:
    try:
        text = (out / LOCK_NAME).read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


@pytest.fixture()
def fast_cli(monkeypatch, pipeline):
    import kg.pipeline as kp

    monkeypatch.setattr(kp, "Pipeline", lambda *a, **kw: pipeline)


def test_sigkill_leaves_the_previous_graph_and_a_rerun_completes(tmp_path, pipeline, fast_cli):
    from kg.pipeline import build

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    first = write_corpus(corpus, 0, 20)
    build([corpus], out, html=False, pipeline=pipeline)
    before = (out / "graph.ttl").read_bytes()
    more = write_corpus(corpus, 20, 80)
    cmd = [KG, "build", str(corpus), "--out", str(out), "--no-html", "-q"]
    outcomes = []

    # 1. Killed while extracting: once the store starts changing, a little later.
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.time()
    while _lock_holder(out) != child.pid and child.poll() is None:
        time.sleep(0.01)
    # ... and meanwhile a second build into the same folder is refused, naming the holder
    second = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(out), "--no-html", "-q"])
    assert second.exit_code == 1
    assert f"{out} is locked by process {child.pid}" in second.output, second.output
    seen = {}

    def extracting():
        if not seen and _changes(out, started):
            seen["t"] = time.monotonic()
        return bool(seen) and time.monotonic() - seen["t"] > 0.2

    outcomes.append(_kill_when(child, extracting, 120))
    assert (out / "graph.ttl").read_bytes() == before, "a build killed while extracting changed graph.ttl"
    check_rdf(out / "graph.ttl")

    # 2. Killed while writing graph.ttl: as soon as its temporary file appears.
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    outcomes.append(_kill_when(child, lambda: bool(list(out.glob(".graph.ttl.*.tmp"))), 120))
    after = (out / "graph.ttl").read_bytes()
    g = check_rdf(out / "graph.ttl")                            # whole: the old graph or the new one
    files = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("kg:fileName"))}
    assert after == before or files == set(first + more), outcomes
    assert outcomes[0] == "killed", outcomes                    # the first kill did land mid-build

    # 3. The rerun completes (the stale lock of the killed builds does not block it) and
    #    its graph is the graph of a clean build.
    rerun = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(out), "--no-html", "-q"])
    assert rerun.exit_code == 0, rerun.output
    assert f"{len(first + more)} articles read, 0 skipped" in rerun.stdout
    g = check_rdf(out / "graph.ttl")
    files = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("kg:fileName"))}
    assert files == set(first + more)
    clean = tmp_path / "clean"
    build([corpus], clean, html=False, pipeline=pipeline)
    assert set(g) == set(check_rdf(clean / "graph.ttl"))                # the same triples, none lost
    print(f"[durability] kills: {outcomes}")


def test_second_build_waits_then_proceeds_or_refuses(tmp_path, fast_cli):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("国务院总理李强在江苏苏州调研。", encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", str(tmp_path / "c"), "--out", str(out), "--no-html", "-q"]
    with folder_lock(out):
        t0 = time.monotonic()
        refused = CliRunner().invoke(cli, args)
        assert time.monotonic() - t0 < 2                        # --wait 0: at once
        assert refused.exit_code == 1
        assert f"Error: {out} is locked by process {os.getpid()}" in refused.output
        assert "--wait" in refused.output
        t0 = time.monotonic()
        refused = CliRunner().invoke(cli, args + ["--wait", "0.5"])
        assert refused.exit_code == 1 and time.monotonic() - t0 >= 0.5
        assert "after waiting 0.5 s" in refused.output
        assert not (out / "graph.ttl").exists()                # nothing was written meanwhile

    holder = folder_lock(out)
    holder.__enter__()
    threading.Timer(0.5, holder.__exit__, (None, None, None)).start()
    t0 = time.monotonic()
    waited = CliRunner().invoke(cli, args + ["--wait", "30"])
    assert waited.exit_code == 0, waited.output
    assert time.monotonic() - t0 >= 0.5
    assert (out / "graph.ttl").exists()


def test_folder_lock_is_released_by_a_dying_holder(tmp_path):
    out = tmp_path / "out"
    code = f"from kg.atomic import folder_lock\nimport os, time\nwith folder_lock({str(out)!r}):\n" \
           "    print('held', flush=True); time.sleep(60)\n"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(FolderLocked) as err:
            with folder_lock(out):
                pass
        assert err.value.pid == child.pid and str(out) in str(err.value)
    finally:
        child.kill()
        child.wait()
    with folder_lock(out, wait=5):
        assert _lock_holder(out) == os.getpid()


# ---------------------------------------------------------------------------------------
# No network at run time

GUARD = '''
import os, socket

LOG = os.environ["KG_NET_LOG"]
_real_connect, _real_connect_ex = socket.socket.connect, socket.socket.connect_ex
_real_sendto, _real_getaddrinfo = socket.socket.sendto, socket.getaddrinfo


def _refuse(what, detail):
    with open(LOG, "a") as fh:
        fh.write(f"{what} {detail!r}\\n")
    raise OSError(101, f"network blocked by the test: {what} {detail!r}")


def _inet(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def connect(self, address):
    if _inet(self):
        _refuse("connect", address)
    return _real_connect(self, address)


def connect_ex(self, address):
    if _inet(self):
        _refuse("connect_ex", address)
    return _real_connect_ex(self, address)


def sendto(self, *args):
    if _inet(self):
        _refuse("sendto", args[-1])
    return _real_sendto(self, *args)


def getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "127.0.0.1", "::1"):
        _refuse("getaddrinfo", host)
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.getaddrinfo = getaddrinfo
os.environ["KG_NET_GUARD"] = "on"
'''

DRIVER = '''
import json, os, socket, sys
from kg.cli import cli

assert os.environ.get("KG_NET_GUARD") == "on", "sitecustomize did not load"
corpus, out = sys.argv[1], sys.argv[2]
for args in (["build", corpus, "--out", out, "-q"],
             ["query", out, "--named", "posts", "--format", "json"],
             ["validate", out]):
    try:
        cli(args, standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
# the guard is live: a connection attempt is refused and logged
try:
    socket.create_connection(("192.0.2.1", 80), timeout=1)
except OSError as exc:
    print("probe refused:", exc)
'''


def test_build_and_query_reach_no_network(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "net.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]), KG_NET_LOG=str(log))
    cmd = [sys.executable, "-c", DRIVER, str(ROOT / "kg" / "data" / "sample"), str(tmp_path / "out")]
    isolated = False
    # Where possible, also in a network namespace with no interface but loopback.
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        cmd, isolated = ["unshare", "-rn"] + cmd, True
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    attempts = log.read_text().splitlines() if log.exists() else []
    assert attempts == ["connect ('192.0.2.1', 80)"] or attempts == ["getaddrinfo '192.0.2.1'"], attempts
    assert "probe refused" in done.stdout
    rows, _ = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("["):])
    assert any(r["person"] == "李强" for r in rows)
    assert "conform to the shapes" in done.stdout
    check_rdf(tmp_path / "out" / "graph.ttl")
    print(f"[network] build, query and validate with sockets blocked (network namespace: {isolated})")
