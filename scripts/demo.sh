#!/usr/bin/env bash
# The radps_seq story on one screen:
#   simulate nights -> reduce them with the EDPS baseline (every job logged) -> rerun
#   (everything reused) -> train the learned planner on the run log -> reduce the next
#   night with it -> compare planners offline -> where to look.
set -euo pipefail
cd "$(dirname "$0")/.."
RS=.venv/bin/radps-seq
WORK=${WORK:-work/demo}
NIGHTS=${NIGHTS:-4}
export MLFLOW_TRACKING_URI="sqlite:///$PWD/$WORK/mlflow.db"
rm -rf "$WORK" && mkdir -p "$WORK"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. a synthetic imager observes $NIGHTS nights"
$RS simulate imaging --nights "$NIGHTS" --out "$WORK/data" --seed 7
mapfile -t nights < <(ls "$WORK/data/raw")
learn=("${nights[@]:0:$((NIGHTS - 1))}")
last=${nights[-1]}
inputs=("$WORK/data/calib")
for n in "${learn[@]}"; do inputs+=("$WORK/data/raw/$n"); done

step "2. the cascade and what it derives for the first nights (-m science)"
$RS tasks -w cascades/imaging | head -30
$RS derive -w cascades/imaging -i "${inputs[@]}" --workdir "$WORK/w" | head -25
echo "   ..."

step "3. reduce ${#learn[@]} nights with the EDPS breadth-first ordering (every job logged)"
$RS run -w cascades/imaging -i "${inputs[@]}" --workdir "$WORK/w" --workers 2 --planner bfs -o "$WORK/out"

step "4. the same request again: every finished job is reused"
$RS run -w cascades/imaging -i "${inputs[@]}" --workdir "$WORK/w" --workers 2 --planner bfs -n | tail -3
$RS run -w cascades/imaging -i "${inputs[@]}" --workdir "$WORK/w" --workers 2 --planner bfs | head -1
$RS reductions --workdir "$WORK/w"
$RS timeline --workdir "$WORK/w" -o "$WORK/timeline.png" | head -1

step "5. train the learned planner on the run log"
$RS train --source "runlog:$WORK/w" --out "$WORK/model"

step "6. the next night ($last) arrives: reduce with the learned planner (skips checked by the guard)"
inputs+=("$WORK/data/raw/$last")
$RS plan -w cascades/imaging -i "${inputs[@]}" --workdir "$WORK/w" --planner learned --model "$WORK/model" \
    --workers 2 | head -12
$RS run -w cascades/imaging -i "${inputs[@]}" --workdir "$WORK/w" --workers 2 --planner learned \
    --model "$WORK/model" -o "$WORK/out"

step "7. compare planners offline on real workflow traces (experiments/quick.yaml)"
$RS compare experiments/quick.yaml

step "where things are"
echo "products:        $WORK/w/products/<task>/<job id>/   (targets copied to $WORK/out)"
echo "run log:         $WORK/w/runlog.sqlite   -> $RS runs --workdir $WORK/w --format csv"
echo "learned model:   $WORK/model"
echo "dashboard:       .venv/bin/mlflow ui --backend-store-uri $MLFLOW_TRACKING_URI"
