#!/usr/bin/env bash
# Install (if needed) and run the main job: segment the embedded sample image
# and write labels, an overlay PNG and the parameters to ./symseg-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/napari-symseg demo -o symseg-demo "$@"
