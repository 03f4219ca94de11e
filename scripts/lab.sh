#!/usr/bin/env bash
# Start the course's JupyterLab: one server for the whole repository (notebooks/, exercises/
# and, for instructors, solutions/), opening on notebooks/00_welcome.ipynb.
# `make lab` runs exactly this, and so does the browser test (tests/test_browser.py).
#
#   PORT      port to listen on (default 8888; Jupyter picks the next free one if taken)
#   LAB_HOST  address to bind (default 127.0.0.1: the lab is not reachable from the network)
#   extra arguments are passed to `jupyter lab` as they are (make lab LAB_ARGS="...").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Kernels choose Jupyter's inline backend themselves; an MPLBACKEND inherited from a shell or
# a build tool (e.g. Agg) would turn every figure into `<Figure size ...>` text.
unset MPLBACKEND
# The kernels, and any `!tcplab ...` a notebook runs, use the course's environment.
export VIRTUAL_ENV="$root/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
args=(
  --ServerApp.root_dir="$root"
  --ServerApp.ip="${LAB_HOST:-127.0.0.1}"
  --ServerApp.port="${PORT:-8888}"
  --LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb
)
# Jupyter refuses to run as root unless told; containers and lab machines often are root.
[ "$(id -u)" = 0 ] && args+=(--allow-root)
exec "$VIRTUAL_ENV/bin/jupyter" lab "${args[@]}" "$@"
