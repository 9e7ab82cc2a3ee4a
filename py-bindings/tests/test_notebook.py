"""The quickstart notebook runs from top to bottom (nbclient) and shows its
plots inline."""

import pathlib

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
NB = ROOT / "examples" / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook_executes_and_plots():
    nb = nbformat.read(NB, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NB.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    # Resilience curve, damage map, policy comparison.
    assert len(images) >= 3
    # The ontology question answered with rows (a DataFrame's HTML).
    last = [o for o in nb.cells[-1].outputs if o.output_type == "execute_result"]
    assert last and "hospital" in last[0]["data"]["text/plain"]
