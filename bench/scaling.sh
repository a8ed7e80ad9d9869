#!/usr/bin/env bash
# How cost grows with size (issue 7: "the large/small time ratio within 1.2 x of the size ratio"):
# compares two bench/run.sh results of the same machine, e.g. small and default, contender by contender.
# Usage: bench/scaling.sh SMALL.json LARGE.json   (prints Markdown; exit 1 if a pgark job grows worse
# than 1.2 x linearly)
set -euo pipefail
small=${1:?usage: $0 SMALL.json LARGE.json}
large=${2:?usage: $0 SMALL.json LARGE.json}
jq -r -n --slurpfile s "$small" --slurpfile l "$large" '
    def r2: . * 100 | round / 100;
    ($s[0]) as $S | ($l[0]) as $L
    | ($L.dataset.dump_z0_bytes / $S.dataset.dump_z0_bytes) as $size
    | "# Scaling: \($L.mode) (\($L.started)) against \($S.mode) (\($S.started))",
      "",
      "Size ratio (uncompressed custom-format dump): \($size | r2). For each job, wall-time ratio and that ratio divided by the size ratio (linear = 1, issue 7 target <= 1.2 for pgark).",
      "",
      "| contender | \($S.mode) s | \($L.mode) s | time ratio | / size ratio |",
      "|---|---:|---:|---:|---:|",
      ( $L.contenders | keys[] as $k | select($S.contenders[$k] != null)
        | ($L.contenders[$k].wall_s / $S.contenders[$k].wall_s) as $t
        | "| \($k) | \($S.contenders[$k].wall_s) | \($L.contenders[$k].wall_s) | \($t | r2) | \($t / $size | r2) |")
'
# Sub-linear growth is fine; only pgark jobs growing faster than 1.2 x linear fail.
jq -e -n --slurpfile s "$small" --slurpfile l "$large" '
    ($l[0].dataset.dump_z0_bytes / $s[0].dataset.dump_z0_bytes) as $size
    | [ $l[0].contenders | keys[] | select(startswith("pgark_")) as $k | select($s[0].contenders[$k] != null)
        | $l[0].contenders[$k].wall_s / $s[0].contenders[$k].wall_s / $size ] | all(. <= 1.2)' >/dev/null
