"""``notebooks/exploration.ipynb`` runs top to bottom on the sample warehouse.

The notebook is executed with nbclient in a fresh kernel, the way a user runs it:
``%load_ext kedro.ipython`` then ``%reload_kedro --params warehouse_dir=...``, so
the test covers the project's IPython integration too. Any cell error fails the
test; every plot section must draw its figure.

It reads the sample warehouse that ``tests/conftest.py`` builds once per test run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip(
    "nbformat", reason="notebook extra not installed: pip install -e '.[notebook]'"
)
nbclient = pytest.importorskip(
    "nbclient", reason="notebook extra not installed: pip install -e '.[notebook]'"
)
pytest.importorskip(
    "ipykernel", reason="notebook extra not installed: pip install -e '.[notebook]'"
)
pytest.importorskip(
    "matplotlib", reason="notebook extra not installed: pip install -e '.[notebook]'"
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = PROJECT_ROOT / "notebooks" / "exploration.ipynb"
AS_OF = "2018-06-30"
MARTS_READ = [
    "marts.fact_event_attendance",
    "marts.dim_date",
    "marts.fact_rsvps",
    "marts.fact_group_activity",
    "marts.fact_venue_activity",
]
FIGURES = 5
CELL_TIMEOUT_S = 900


def test_exploration_notebook_runs_without_errors_and_draws_every_plot(
    sample_warehouse: tuple[str, str], tmp_path: Path
) -> None:
    warehouse_dir, user = sample_warehouse
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    with pytest.MonkeyPatch.context() as patch:
        # The kernel inherits these: the notebook's parameters cell reads them.
        patch.setenv("MOTORS_MEETUP_WAREHOUSE_DIR", warehouse_dir)
        patch.setenv("MOTORS_MEETUP_AS_OF_DATE", AS_OF)
        patch.setenv("MOTORS_MEETUP_USER", user)
        patch.setenv("KEDRO_DISABLE_TELEMETRY", "true")
        patch.setenv("DO_NOT_TRACK", "1")
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        try:
            client.execute()  # raises CellExecutionError on the first failing cell
        finally:
            nbformat.write(notebook, tmp_path / "exploration.executed.ipynb")

    figures = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(figures) == FIGURES
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
