"""The front-end bundle and WebAssembly module shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from ._errors import RunQLError

STATIC = Path(__file__).parent / "static"
ESM = STATIC / "widget.js"
CSS = STATIC / "widget.css"
WASM = STATIC / "runql_wasm_bg.wasm"

_BUILD_HINT = (
    "the runql package was installed without its front end; build it from the repository "
    "with scripts/build-widget.sh, then reinstall (pip install ./python)"
)


def esm_source() -> str:
    """The widget's ES module bundle (packages/runql and the widget, built by esbuild)."""
    if not ESM.is_file():
        raise RunQLError("assets", f"{ESM} is missing: {_BUILD_HINT}")
    return ESM.read_text(encoding="utf-8")


def css_source() -> str:
    """The widget's style sheet."""
    return CSS.read_text(encoding="utf-8") if CSS.is_file() else ""


def wasm_bytes() -> bytes:
    """runql's WebAssembly module, sent to the browser when a front end asks for it."""
    if not WASM.is_file():
        raise RunQLError("assets", f"{WASM} is missing: {_BUILD_HINT}")
    return WASM.read_bytes()
