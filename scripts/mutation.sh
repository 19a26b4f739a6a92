#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the core modules, one module at a time, each against its own tests.
#
#   bash scripts/mutation.sh limits            # one module
#   bash scripts/mutation.sh access result     # several
#   bash scripts/mutation.sh all               # every core module (an hour or more on 2 cores)
#   MUTATION_JOBS=4 bash scripts/mutation.sh pipeline
#   MUTATION_FROM=HEAD bash scripts/mutation.sh chunking   # the last commit, not the working tree
#   MUTATION_ONLY='*ǁ_summarise__* *x__segments__*' bash scripts/mutation.sh pipeline   # some functions
#
# Not run in CI (too slow); run it before calling an issue that touches these modules resolved, and
# record the score and any surviving mutant in docs/testing.md. Each module runs in its own copy of
# the tree under $MUTATION_DIR (default: a folder in the system temp directory), so the working tree
# never sees `mutants/`. Every run starts afresh (mutmut's cache does not notice changed tests).
# The general settings are [tool.mutmut] in pyproject.toml; this script narrows `only_mutate` and the
# test selection to one module.
set -euo pipefail
cd "$(dirname "$0")/.."

# module -> "file|tests" (the tests that are meant to pin that module down; fast ones only: the fake
# engine instead of the tiny models, so one mutant costs seconds, not minutes)
declare -A MODULES=(
  [pipeline]="service/pipeline.py|tests/test_wiring.py tests/test_schema.py tests/test_boundaries.py tests/test_glossary_pipeline.py tests/test_pipeline_jobs.py"
  [summary]="service/summary.py|tests/test_wiring.py tests/test_summary_trim.py tests/test_pipeline_jobs.py"
  [clean]="service/text/clean.py|tests/text/test_text.py tests/text/test_text_stage.py tests/text/test_clean_rules.py"
  [segment]="service/text/segment.py|tests/text/test_text.py tests/text/test_text_stage.py tests/text/test_furniture.py tests/test_wiring.py tests/text/test_segment_rules.py"
  [chunking]="service/text/chunking.py|tests/text/test_chunking.py tests/text/test_text.py tests/test_wiring.py"
  [detect]="service/text/detect.py|tests/text/test_text.py tests/text/test_text_stage.py tests/text/test_detect_rules.py"
  # (access: its direct tests only; test_access.py and test_adversaries.py start live servers, make a
  #  mutant cost ~13 s instead of 0.25 s, and killed nothing the direct tests did not)
  [access]="service/web/access.py|tests/web/test_access_rules.py"
  [limits]="service/limits.py|tests/test_boundaries.py"
  [result]="service/result.py|tests/test_result.py tests/test_schema.py tests/test_wiring.py tests/test_result_sources.py tests/test_result_rendering.py"
)
ORDER=(limits result access chunking segment clean detect pipeline summary)
# What each copy holds: the code, the tests, and the files the tests read (evaluation/: the furniture
# tests read its sets).
COPIED=(service tests examples prompts docs evaluation)

if [ $# -eq 0 ]; then
  echo "usage: bash scripts/mutation.sh MODULE... | all   (modules: ${ORDER[*]})" >&2
  exit 2
fi
if [ "$1" = all ]; then set -- "${ORDER[@]}"; fi
for module in "$@"; do
  [ -n "${MODULES[$module]:-}" ] || { echo "unknown module '$module' (modules: ${ORDER[*]})" >&2; exit 2; }
done

[ -x .venv/bin/python ] && . .venv/bin/activate
command -v mutmut >/dev/null || { echo "mutmut is missing: pip install -e '.[test]'" >&2; exit 2; }
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 GRADIO_ANALYTICS_ENABLED=False
BASE=${MUTATION_DIR:-${TMPDIR:-/tmp}/service-mutation}
JOBS=${MUTATION_JOBS:-2}

for module in "$@"; do
  file=${MODULES[$module]%%|*}
  tests=${MODULES[$module]#*|}
  work="$BASE/$module"
  mkdir -p "$work"
  # A fresh copy of the code and tests (mutmut's own cache in $work/mutants is kept).
  # The working tree, or with MUTATION_FROM=HEAD the last commit (when others are mid-edit).
  for part in "${COPIED[@]}" mutants; do rm -rf "${work:?}/$part"; done
  if [ "${MUTATION_FROM:-}" = HEAD ]; then
    git archive HEAD "${COPIED[@]}" | tar -x -C "$work"
  else
    cp -r "${COPIED[@]}" "$work/"
  fi
  python - "$work/pyproject.toml" "$file" $tests <<'PY'
import re, sys
from pathlib import Path

target, file, tests = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
text = (Path.cwd() / "pyproject.toml").read_text(encoding="utf-8")
# Replace the [tool.mutmut] table: mutate only this module, run only its tests.
text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
quoted = lambda items: "[" + ", ".join(f'"{i}"' for i in items) + "]"
text += (
    "\n[tool.mutmut]\n"
    'source_paths = ["service/"]\n'
    'also_copy = ["docs/", "examples/", "prompts/", "evaluation/"]\n'
    f"only_mutate = {quoted([file])}\n"
    f"pytest_add_cli_args_test_selection = {quoted(tests)}\n"
    # (no browser, no tiny models: a mutant must cost seconds, not a model build)
    'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-m", "not browser", "-k", "not tiny_models"]\n'
    # forked children of a process that started threads (live servers, the pipeline's pool) crash:
    # a fork server that only imported and collected the tests forks them instead
    'process_isolation = "forkserver"\n'
)
target.write_text(text, encoding="utf-8")
PY
  echo "== $module: mutating $file, tests: $tests"
  # MUTATION_ONLY: mutant-name globs (mutmut's names: module.xǁClassǁmethod__mutmut_N, module.x_function__mutmut_N)
  read -r -a only <<<"${MUTATION_ONLY:-}"
  (cd "$work" && mutmut run --max-children "$JOBS" "${only[@]}" >"$work/run.log" 2>&1 || true
   mutmut results --all true >"$work/results.txt" 2>&1 || true)
  python - "$work/results.txt" "$module" <<'PY'
import collections, sys
from pathlib import Path

lines = [l.strip() for l in Path(sys.argv[1]).read_text().splitlines() if ": " in l]
status = collections.Counter(l.rsplit(": ", 1)[1] for l in lines)
killed = status.get("killed", 0) + status.get("timeout", 0) + status.get("caught by type check", 0)
total = sum(status.values()) - status.get("skipped", 0) - status.get("not checked", 0)
score = 100 * killed / total if total else 0.0
if not total:  # mutmut could not run the tests on the unmutated code: say so, not "0%"
    log = Path(sys.argv[1]).with_name("run.log").read_text(errors="replace")
    tail = [l for l in log.replace("\r", "\n").splitlines() if l.strip() and "⠋" not in l][-5:]
    print(f"{sys.argv[2]}: NOT RUN: the tests failed on the unmutated copy; run them there:\n    " + "\n    ".join(tail))
    sys.exit(0)
print(f"{sys.argv[2]}: {killed}/{total} killed ({score:.1f}%); " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
for line in lines:
    if line.endswith(("survived", "no tests")):
        print("   ", line)
PY
  echo "   (details: cd $work && mutmut show <name>; log: $work/run.log)"
done
