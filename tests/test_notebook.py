"""examples/quickstart.ipynb runs top to bottom in a real kernel of this Python and shows what it promises."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOTEBOOK = EXAMPLES / "quickstart.ipynb"
CELL_TIMEOUT_S = 300


def _jupyter() -> tuple[Any, Any, Any, Any, Any]:
    """nbformat, nbclient and the kernel machinery: part of the dev extra, so a missing one is a failure, not a skip."""
    try:
        import nbclient
        import nbformat
        from ipykernel.kernelspec import write_kernel_spec
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager
    except ImportError as error:
        pytest.fail(
            f'the notebook test needs nbclient, nbformat and ipykernel ({error}); install them with: pip install -e ".[dev]"', pytrace=False
        )
    return nbformat, nbclient, write_kernel_spec, KernelSpecManager, KernelManager


def _outputs(nb: Any, cell_id: str) -> str:
    """Everything a cell showed — streams, text and HTML — as one string."""
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.extend(str(value) for key, value in output.data.items() if key.startswith("text/"))
    return "\n".join(parts)


def _html(nb: Any, cell_id: str) -> str:
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    return "\n".join(
        output.data.get("text/html", "") for output in cell.outputs if output.output_type in ("execute_result", "display_data")
    )


def test_committed_notebook_is_valid_and_has_no_outputs() -> None:
    nbformat, *_ = _jupyter()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_quickstart_notebook_runs(seeds_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat, nbclient, write_kernel_spec, KernelSpecManager, KernelManager = _jupyter()
    # A copy of the session's seeds index: the notebook's build step finds every seed unchanged and only opens it.
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    monkeypatch.setenv("LAWSEARCH_QUICKSTART_INDEX", str(index))
    # The kernel is this interpreter: a python3 kernelspec written here with argv [sys.executable, -m, ipykernel_launcher, …],
    # so a python3 kernelspec elsewhere on the machine (user or system Jupyter paths) cannot pick another Python.
    kernels = tmp_path / "kernels"
    write_kernel_spec(path=str(kernels / "python3"))
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))

    nb = nbformat.read(NOTEBOOK, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys\nprint(sys.executable)\nprint(sys.prefix)", id="test-probe")
    nb.cells.insert(0, probe)
    client = nbclient.NotebookClient(
        nb, km=km, kernel_name="python3", timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    errors = [
        (cell.get("id"), output.get("ename"))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    executable, prefix = _outputs(nb, "test-probe").split()
    assert (executable, prefix) == (sys.executable, sys.prefix)

    assert "added 0, updated 0, removed 0, unchanged 5, failed 0" in _outputs(nb, "build")
    hits = _html(nb, "hits")
    assert "<table" in hits and "dataframe" in hits and "<td>" in hits
    answers = _html(nb, "answers")
    assert "<table" in answers and "滨江区" in answers and "regions indexed" in _outputs(nb, "answers")
    table = _html(nb, "answers-table")
    assert "<table" in table and "滨江区" in table
    filtered = _html(nb, "filtered")
    assert "<table" in filtered and "<td>滨江区</td><td>2022</td>" in filtered
    evidence = _outputs(nb, "evidence")
    assert evidence.startswith("滨江区 2022") and " › " in evidence and "调解员" in evidence
