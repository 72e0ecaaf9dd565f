"""The notebooks run top to bottom, on the demo and on the simulators.

Each notebook is executed with nbclient in the project's own kernel (the venv's
ipykernel), from a scratch working directory, with the temp folder pointed at
the test's own directory so the demo's exports land there.  A second group of
checks keeps the committed notebooks clean: no outputs, no execution counts,
only the public library API.
"""

from __future__ import annotations

import ast
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from openpyxl import load_workbook

import vcompanion

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
BOKEH = "application/vnd.bokehjs_exec.v0+json"
# Workbooks a notebook writes: notebook stem -> (file name, sheets).
WORKBOOKS = {
    "01_inventory_tour": ("inventory-tour.xlsx", ["VMs", "Powered off", "Guest OS"]),
    "03_snapshot_hygiene": ("snapshot-cleanup.xlsx",
                            ["Cleanup list", "By owner", "Consolidation needed"]),
}
KERNEL_PROBE = "import sys\nprint(sys.executable)\nprint(sys.prefix)"


def test_there_are_the_five_stories():
    assert [p.stem for p in NOTEBOOKS] == ["01_inventory_tour", "02_capacity",
                                           "03_snapshot_hygiene", "04_ip_audit",
                                           "05_changes_and_capacity"]


def _execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(KERNEL_PROBE))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return notebook


def _text(notebook, stream="stdout") -> str:
    return "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for o in cell.outputs if o.output_type == "stream"
                   and o.name == stream)


def _check_run(path: Path, notebook, workdir: Path, export_root: Path) -> None:
    executable, prefix = notebook.cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()  # the venv's ipykernel
    errors = [o for cell in notebook.cells if cell.cell_type == "code"
              for o in cell.outputs if o.output_type == "error"]
    assert not errors
    charts = [o for cell in notebook.cells if cell.cell_type == "code"
              for o in cell.outputs if BOKEH in o.get("data", {})]
    assert charts, f"{path.name} shows no Bokeh chart"
    assert "Traceback" not in _text(notebook, "stderr")
    assert list(workdir.iterdir()) == []  # nothing written to the working directory
    if path.stem in WORKBOOKS:
        name, sheets = WORKBOOKS[path.stem]
        written = [line.split()[1].rstrip(":") for line in _text(notebook).splitlines()
                   if line.startswith("wrote ")]
        assert len(written) == 1
        workbook = Path(written[0])
        assert workbook.name == name and workbook.is_relative_to(export_root)
        book = load_workbook(workbook, read_only=True)
        assert book.sheetnames == sheets
        first = book[sheets[0]]
        header = [c.value for c in next(first.iter_rows(max_row=1))]
        assert "vcenter" in header
        book.close()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_demo(path, tmp_path, monkeypatch):
    monkeypatch.delenv("VCOMPANION_CONFIG", raising=False)
    temp = tmp_path / "temp"
    temp.mkdir()
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, str(temp))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    notebook = _execute(path, workdir)
    _check_run(path, notebook, workdir, temp)
    out = _text(notebook)
    if path.stem == "01_inventory_tour":
        assert "VMs and templates in 3 vCenters" in out
        workbook = next(temp.glob("vcompanion-demo*/data/exports/inventory-tour.xlsx"))
        book = load_workbook(workbook, read_only=True)
        assert 1400 < book["VMs"].max_row <= 1601
        book.close()
    if path.stem == "04_ip_audit":
        assert "addresses are used in more than one vCenter" in out
        assert not out.startswith("0 addresses are used in more")
    if path.stem == "05_changes_and_capacity":
        assert "changes in the last 7 days" in out and not out.count("0 changes in the")
        assert "growing" in out and "created" in out


@pytest.mark.simulator
@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_simulators(path, tmp_path, monkeypatch, sim_config,
                                         sim_env):
    monkeypatch.setenv("VCOMPANION_CONFIG", str(sim_config))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    notebook = _execute(path, workdir)
    _check_run(path, notebook, workdir, sim_config.parent)
    if path.stem == "01_inventory_tour":
        cell = next(c for c in notebook.cells if "vc.status()[" in c.source)
        text = next(o for o in cell.outputs if "data" in o)["data"]["text/plain"]
        assert all(name in text for name in ("prod", "dr", "lab"))
        assert "unreachable" not in text and "demo" not in text


# --- the committed notebooks stay clean --------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_has_no_outputs(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.reads(json.dumps(raw), as_version=4))
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            hint = (f"{path.name}: clear the outputs before committing (JupyterLab: Edit > "
                    f"Clear Outputs of All Cells; or jupyter nbconvert --clear-output "
                    f"--inplace notebooks/*.ipynb)")
            assert cell["outputs"] == [], hint
            assert cell["execution_count"] is None, hint
        assert not cell.get("attachments")
    assert "widgets" not in raw["metadata"]  # saved widget state is output too


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_only_the_public_api_and_falls_back_to_the_demo(path):
    notebook = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    imported = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vcompanion"):
            assert node.module == "vcompanion", node.module
            imported |= {alias.name for alias in node.names}
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("vcompanion") for a in node.names)
    assert imported and imported <= set(vcompanion.__all__)
    assert not re.search(r"\._[a-zA-Z]", code)  # no private attributes
    assert 'os.environ.get("VCOMPANION_CONFIG")' in code
    assert "Companion.from_config()" in code and "Companion.demo()" in code
    markdown = [c for c in notebook.cells if c.cell_type == "markdown"]
    assert markdown[0].source.startswith("# ") and len(markdown) >= 4


# --- vcompanion notebook -------------------------------------------------------------

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(os.name == "nt", reason="stops the server with SIGTERM")
@pytest.mark.timeout(180)
def test_vcompanion_notebook_starts_jupyterlab_on_the_notebooks(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCOMPANION_")}
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"):
        env[name] = str(tmp_path / name.lower())
    exe = Path(sys.executable).with_name("vcompanion")
    root = ["--allow-root"] if os.geteuid() == 0 else []  # CI containers run as root
    server = subprocess.Popen([str(exe), "notebook", "--no-browser", "--port", str(port),
                               *root],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stderr],
                     daemon=True).start()
    try:
        seen, token, deadline = [], None, time.monotonic() + 120
        while token is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert server.poll() is None, "".join(seen)
                continue
            seen.append(line)
            found = re.search(rf"http://(?:localhost|127\.0\.0\.1):{port}/lab\?token=(\w+)",
                              line)
            token = found.group(1) if found else None
        assert token, "".join(seen)
        # No config in the working directory: the notebooks fall back to the demo.
        assert "the notebooks use the built-in demo" in seen[0]
        # The URL is printed as the server starts listening: allow it a moment.
        listing, answer_by = None, time.monotonic() + 60
        while listing is None:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/contents?token={token}",
                        timeout=30) as response:
                    listing = json.load(response)
            except urllib.error.URLError:
                if time.monotonic() > answer_by or server.poll() is not None:
                    raise
                time.sleep(0.5)
        names = sorted(item["name"] for item in listing["content"])
        assert names == [p.name for p in NOTEBOOKS]
    finally:
        server.terminate()  # SIGTERM to vcompanion: it stops JupyterLab too
        code = server.wait(timeout=60)
    assert code != 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=5)


def test_notebook_command_picks_the_configuration(tmp_path, monkeypatch):
    import argparse

    from vcompanion.cli.common import Fail
    from vcompanion.cli.notebook import NOTEBOOK_DIR, notebook_command

    def args(**given):
        base = {"config": None, "port": None, "no_browser": False, "demo": False,
                "notebook_dir": None}
        return argparse.Namespace(**{**base, **given})

    monkeypatch.chdir(tmp_path)
    command, env, source = notebook_command(args(port=9999, no_browser=True), {})
    assert command[1:] == ["-m", "jupyterlab", f"--notebook-dir={NOTEBOOK_DIR}",
                           "--port=9999", "--no-browser"]
    assert "VCOMPANION_CONFIG" not in env and "demo" in source
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    _, env, _ = notebook_command(args(), {})
    assert env["VCOMPANION_CONFIG"] == str(tmp_path / "config.json")
    _, env, _ = notebook_command(args(demo=True), {"VCOMPANION_CONFIG": "x.json"})
    assert "VCOMPANION_CONFIG" not in env
    other = tmp_path / "other.json"
    other.write_text("{}", encoding="utf-8")
    _, env, source = notebook_command(args(config="other.json"), {})
    assert env["VCOMPANION_CONFIG"] == str(other) == source
    with pytest.raises(Fail):
        notebook_command(args(config="missing.json"), {})
    with pytest.raises(Fail):
        notebook_command(args(notebook_dir=tmp_path / "nope"), {})
