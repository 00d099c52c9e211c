"""The research notebook runs from top to bottom on a dataset of real reports."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "research-questions.ipynb"


def test_notebook_answers_its_three_questions(research_dataset, monkeypatch, tmp_path):
    monkeypatch.setenv("OGI_DATASET", str(research_dataset))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel is this interpreter (the project's venv), whatever kernels Jupyter knows of
    from ipykernel.kernelspec import write_kernel_spec

    spec = write_kernel_spec(tmp_path / "kernels" / "ogi", overrides={"argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]})
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path) + os.pathsep + os.environ.get("JUPYTER_PATH", ""))
    assert Path(spec).exists()
    NotebookClient(nb, timeout=300, kernel_name="ogi", resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["agencies"] >= 7 and summary["provinces"] >= 4
    assert 0 <= summary["share_failing"] <= 1 and summary["reports"] >= 9
    table = nb.cells[3].outputs[0]["data"]["text/plain"]
    assert "平潭综合实验区" in table  # applications per agency: one row, three years
