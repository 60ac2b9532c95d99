#!/usr/bin/env bash
# The story of radps_seq on one screen: make frames, derive the cascade's job graph.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WORK=${WORK:-work/demo}
rm -rf "$WORK" && mkdir -p "$WORK"
echo "== demo0: a night of header-only frames"
$BIN/python -m radps_seq.testing.demo0_night "$WORK/raw"
echo "== the cascade"
$BIN/radps-seq tasks -w cascades/demo0
echo "== the derived job graph for -m science"
$BIN/radps-seq derive -w cascades/demo0 -i "$WORK/raw" --workdir "$WORK"
