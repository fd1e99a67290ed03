#!/usr/bin/env bash
# The full-size bad-input runs of issue #7: 1,000 generated examples per kind (configs,
# rule files, cost files); CI runs the same tests with fewer (150–300).
#   benchmarks/fuzz_inputs.sh [EXAMPLES]      (default 1000; run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_EXAMPLES="${1:-1000}"
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
start=$(date +%s)
"$PY" -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
  tests/test_fuzz_inputs.py tests/test_settings.py -k "fuzz or generated or random_bytes"
echo "FUZZ_EXAMPLES=$FUZZ_EXAMPLES: passed in $(( $(date +%s) - start )) s"
