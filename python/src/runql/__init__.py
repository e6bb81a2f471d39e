"""runql in Jupyter: query and chart ML experiment runs with SQL, inside the notebook.

``runql.Widget(source)`` sends run data (an ``mlruns/`` or ``wandb/`` folder, TensorBoard
logs, run tables, a DataFrame) to runql's WebAssembly module in the browser, which answers
SQL and draws charts there; results come back as pandas DataFrames.

Examples
--------
>>> import runql
>>> w = runql.Widget("mlruns/")                                   # doctest: +SKIP
>>> w.plot(metric="val/loss", smoothing=0.6, group_by="params.lr")  # doctest: +SKIP
>>> w                                                             # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from ._errors import RunQLError
from ._spec import curves_spec
from ._widget import Widget

try:
    __version__ = version("runql")
except PackageNotFoundError:  # running from a source checkout
    __version__ = "0.0.0"

__all__ = ["RunQLError", "Widget", "__version__", "curves_spec"]
