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
#   MUT_ONLY   space-separated fnmatch patterns of mutant names to run, e.g.
#              "analysis.scenario.x_path_to_target__mutmut_* analysis.scenario.x__segments__mutmut_*"
#   MUT_SAMPLE run a simple random sample of this many of those mutants (without replacement,
#              seeded by MUT_SEED, default 0); the kill rate is then an estimate and the summary
#              row carries its 95 % Wilson interval.
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
  [weights_common]="src/analysis/weights/_common.py"
  [weights_derive]="src/analysis/weights/derive.py"
  [weights_entropy]="src/analysis/weights/entropy.py"
  [weights_optimise]="src/analysis/weights/optimise.py"
  [weights_pca]="src/analysis/weights/pca.py"
  [uncertainty]="src/analysis/uncertainty/*.py"
  # the sampling side of the uncertainty package (spec and designs), without the engine
  [uncertainty_sampling]="src/analysis/uncertainty/spec.py src/analysis/uncertainty/sensitivity.py"
  # the engine alone (sampling of weights, discrete choices, batched aggregation, ranks)
  [uncertainty_engine]="src/analysis/uncertainty/engine.py"
  [uncertainty_backend]="src/analysis/uncertainty/backend.py src/analysis/uncertainty/__init__.py"
)
# module -> tests that exercise it (found with grep for the module's imports)
declare -A TESTS=(
  [normalise]="tests/test_methods.py tests/test_weights_published.py tests/test_mutation_gaps.py tests/test_engine_fast_paths.py"
  [aggregate]="tests/test_methods.py tests/test_properties.py tests/test_aggregate_published.py tests/test_mutation_gaps.py tests/test_mutation_gaps_aggregate.py"
  [treat]="tests/test_methods.py tests/test_methods_published.py tests/test_mutation_gaps.py"
  [cluster]="tests/test_cluster.py tests/test_methods_published.py tests/test_mutation_gaps_cluster.py tests/test_pipeline_speed_equivalence.py tests/test_cluster_robustness.py"
  [scenario]="tests/test_path_exact.py tests/test_mutation_gaps_scenario.py tests/test_mutation_gaps_path.py tests/test_scenario_consistency.py"  # fast files only: with test_scenario.py (CLI, demo panel) a run takes hours
  [weights]="tests/test_weights.py tests/test_weights_published.py tests/test_ahp_published.py tests/test_mutation_gaps.py tests/test_mutation_gaps_weights.py"
  [uncertainty]="tests/test_uncertainty.py tests/test_sensitivity_replay.py tests/test_aggregate_published.py tests/test_mutation_gaps.py tests/test_engine_sampling.py"
  # test_uncertainty.py (about 4 minutes) is left out: every surviving mutant of spec.py would run it
  [uncertainty_sampling]="tests/test_engine_sampling.py tests/test_sobol_choice_factor.py tests/test_sensitivity_replay.py tests/test_mutation_gaps_engine.py"
  # test_uncertainty_scale.py left out (its Dask worker-process test takes 10 s per surviving mutant)
  [uncertainty_engine]="tests/test_engine_sampling.py tests/test_sobol_choice_factor.py tests/test_sensitivity_replay.py tests/test_aggregate_published.py tests/test_mutation_gaps_engine.py tests/test_engine_fast_paths.py"
  # backends and public API (Dask tests skip themselves under mutmut: a cluster in its forked child hangs)
  [uncertainty_backend]="tests/test_uncertainty_scale.py tests/test_replay_speed_equivalence.py tests/test_sensitivity_replay.py tests/test_engine_sampling.py tests/test_mutation_gaps_engine.py tests/test_mutation_gaps_backend.py"
)
for _w in ahp basic bod common derive entropy optimise pca; do TESTS[weights_$_w]="${TESTS[weights]}"; done
for _w in bod common optimise; do TESTS[weights_$_w]+=" tests/test_mutation_gaps_weights_bod.py"; done
TESTS[weights_optimise]+=" tests/test_optimise_level_bounds.py"
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
    names=()
    if [ -n "${MUT_ONLY:-}${MUT_SAMPLE:-}" ]; then
      # generate the mutants only (a filter that matches nothing stops mutmut after generation)
      "$BIN/mutmut" run "__generate_only__" > gen.log 2>&1 || true
      mapfile -t names < <("$BIN/python" "$ROOT/scripts/mutation_select.py" mutants \
          "${MUT_ONLY:-*}" "${MUT_SAMPLE:-0}" "${MUT_SEED:-0}")
      [ ${#names[@]} -gt 0 ] || { echo "no mutant matches MUT_ONLY=${MUT_ONLY:-*}" >&2; exit 2; }
      printf '%s\n' "${names[@]}" > selected.txt
      echo "   running ${#names[@]} selected mutants (selected.txt)"
    fi
    "$BIN/mutmut" run --max-children "$JOBS" "${names[@]}" > run.log 2>&1 || { tail -30 run.log; exit 1; }
    "$BIN/python" "$ROOT/scripts/mutation_select.py" --summary mutants "$m" "$(( $(date +%s) - start ))" \
        "$MUT_DIR/summary.tsv" ${names:+selected.txt}
  )
done
