#!/usr/bin/env bash
# Mutation testing with mutmut 3, one module at a time, each against the tests that exercise it.
#
#   scripts/mutation.sh                 # every module below (long: tens of minutes on 2 cores)
#   scripts/mutation.sh treat aggregate # only these modules
#
# The checkout is never mutated: each module runs in a fresh copy under $MUT_DIR (default
# /tmp/maturasi-mutation/<module>), where mutmut writes its mutants/ folder. The totals of each
# module are printed and appended to $MUT_DIR/summary.tsv (module, total, killed, survived,
# timeout, no_tests, kill rate = killed+timeout over total). List the survivors of a module with
#   cd $MUT_DIR/<module> && mutmut results     and inspect one with   mutmut show <name>
# Environment: MUT_DIR, MUT_JOBS (parallel mutants, default 2), PYTHON_BIN (default .venv/bin).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${PYTHON_BIN:-$ROOT/.venv/bin}"
MUT_DIR="${MUT_DIR:-/tmp/maturasi-mutation}"
JOBS="${MUT_JOBS:-2}"

# module -> files to mutate (globs relative to the repo root)
declare -A FILES=(
  [normalise]="src/analysis/normalise.py"
  [aggregate]="src/analysis/aggregate.py"
  [treat]="src/analysis/treat.py"
  [cluster]="src/analysis/cluster.py"
  [scenario]="src/analysis/scenario.py"
  [weights]="src/analysis/weights/*.py"
  # one weights file at a time (the whole package is ~3400 mutants: hours on 2 shared cores)
  [weights_ahp]="src/analysis/weights/ahp.py"
  [weights_basic]="src/analysis/weights/basic.py src/analysis/weights/_common.py"
  [weights_bod]="src/analysis/weights/bod.py"
  [weights_derive]="src/analysis/weights/derive.py"
  [weights_entropy]="src/analysis/weights/entropy.py"
  [weights_optimise]="src/analysis/weights/optimise.py"
  [weights_pca]="src/analysis/weights/pca.py"
  [uncertainty]="src/analysis/uncertainty/*.py"
  # the sampling side of the uncertainty package (spec and designs), without the engine
  [uncertainty_sampling]="src/analysis/uncertainty/spec.py src/analysis/uncertainty/sensitivity.py"
)
# module -> tests that exercise it (found with grep for the module's imports)
declare -A TESTS=(
  [normalise]="tests/test_methods.py tests/test_weights_published.py tests/test_mutation_gaps.py"
  [aggregate]="tests/test_methods.py tests/test_properties.py tests/test_aggregate_published.py tests/test_mutation_gaps.py tests/test_mutation_gaps_aggregate.py"
  [treat]="tests/test_methods.py tests/test_methods_published.py tests/test_mutation_gaps.py"
  [cluster]="tests/test_cluster.py tests/test_methods_published.py tests/test_mutation_gaps_cluster.py tests/test_pipeline_speed_equivalence.py"
  [scenario]="tests/test_path_exact.py tests/test_mutation_gaps_scenario.py"  # fast files only: with test_scenario.py (CLI, demo panel) a run takes hours
  [weights]="tests/test_weights.py tests/test_weights_published.py tests/test_ahp_published.py tests/test_mutation_gaps.py tests/test_mutation_gaps_weights.py"
  [uncertainty]="tests/test_uncertainty.py tests/test_sensitivity_replay.py tests/test_aggregate_published.py tests/test_mutation_gaps.py tests/test_engine_sampling.py"
  # test_uncertainty.py (about 4 minutes) is left out: every surviving mutant of spec.py would run it
  [uncertainty_sampling]="tests/test_engine_sampling.py tests/test_sobol_choice_factor.py tests/test_sensitivity_replay.py"
)
for _w in ahp basic bod derive entropy optimise pca; do TESTS[weights_$_w]="${TESTS[weights]}"; done
ORDER=(treat normalise aggregate cluster scenario weights uncertainty)

modules=("$@")
[ ${#modules[@]} -eq 0 ] && modules=("${ORDER[@]}")

copy_tree() {  # copy the checkout (without venv, git, outputs) to $1
  rm -rf "$1"
  mkdir -p "$1"
  tar -C "$ROOT" --exclude=.venv --exclude=.git --exclude=reports --exclude=mutants \
      --exclude=__pycache__ --exclude=.pytest_cache --exclude=.hypothesis -cf - . | tar -C "$1" -xf -
  # tests look for ../shared next to the repo; mutmut runs them from <copy>/mutants
  if [ -d "$ROOT/../shared" ]; then ln -sfn "$(cd "$ROOT/../shared" && pwd)" "$1/shared"; fi
}

write_config() {  # $1 = module; mutmut 3 reads [mutmut] from setup.cfg when pyproject has no [tool.mutmut]
  local m="$1" f t
  {
    echo "[mutmut]"
    echo "source_paths = src"
    echo "only_mutate ="
    for f in ${FILES[$m]}; do echo "    $f"; done
    echo "pytest_add_cli_args_test_selection ="
    for t in ${TESTS[$m]}; do [ -f "$t" ] && echo "    $t"; done
    echo "pytest_add_cli_args ="
    echo "    -x"
    echo "    -q"
    echo "    -p no:cacheprovider"
    echo "also_copy ="
    for f in methodology data configs docs README.md Makefile benchmarks; do echo "    $f"; done
  } > setup.cfg
}

mkdir -p "$MUT_DIR"
for m in "${modules[@]}"; do
  if [ -z "${FILES[$m]:-}" ]; then echo "unknown module: $m (one of: ${ORDER[*]})" >&2; exit 2; fi
  dir="$MUT_DIR/$m"
  echo "== $m: copying the tree to $dir"
  copy_tree "$dir"
  (
    cd "$dir"
    write_config "$m"
    start=$(date +%s)
    "$BIN/mutmut" run --max-children "$JOBS" > run.log 2>&1 || { tail -30 run.log; exit 1; }
    "$BIN/mutmut" export-cicd-stats > /dev/null
    "$BIN/python" - "$m" "$(( $(date +%s) - start ))" "$MUT_DIR/summary.tsv" <<'EOF'
import json, sys, datetime
m, secs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = json.load(open("mutants/mutmut-cicd-stats.json"))
caught = s["killed"] + s["timeout"]
rate = 100 * caught / s["total"] if s["total"] else float("nan")
row = [m, s["total"], s["killed"], s["survived"], s["timeout"], s["no_tests"], f"{rate:.1f}",
       f"{secs}s", datetime.date.today().isoformat()]
print("{0}: {1} mutants, {2} killed, {3} survived, {4} timeout, {5} no tests -> {6} % ({7})".format(*row))
with open(out, "a") as fh:
    fh.write("\t".join(map(str, row)) + "\n")
EOF
  )
done
