#!/usr/bin/env bash
# Builds the Docker image the way these machines can (podman, a local stand-in for the base
# image: see the shared tools' README) and runs in it everything the README says the image
# does: the demo into a volume, the dashboard and its healthcheck, `collect git`,
# `collect github` (against the tests' fake GitHub on the host), `import costs`, and the HTML
# and PDF report. One PASS/FAIL line per check; exits non-zero on any failure.
# Not run by CI: it takes minutes and needs root (podman, mounts).
#
# usage: scripts/check_image.sh            (from anywhere; run as root)
# env:   AIMETRICS_CONTAINER_TOOLS  the shared tools (default: ../shared/tools from the repo)
#        AIMETRICS_IMAGE            tag to build (default: localhost/aimetrics:check)
#        AIMETRICS_CHECK_PORT       dashboard port (default: 8501, the healthcheck's own)
#        AIMETRICS_CHECK_PYTHON     Python with the test extras, for the fake GitHub
#                                   (default: the repo's .venv/bin/python, else python3)
#        AIMETRICS_CHECK_KEEP=1     keep the volume folder for inspection
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${AIMETRICS_CONTAINER_TOOLS:-$repo/../shared/tools}
image=${AIMETRICS_IMAGE:-localhost/aimetrics:check}
port=${AIMETRICS_CHECK_PORT:-8501}
python=${AIMETRICS_CHECK_PYTHON:-$repo/.venv/bin/python}
[ -x "$python" ] || python=python3
PODMAN=(podman --cgroup-manager=cgroupfs)
UID_IN_IMAGE=10001 # the Dockerfile's non-root user, who must own the volume

die() { echo "error: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root (podman and the mounts of container-run.sh need it)"
[ -x "$tools/container-run.sh" ] || die "no $tools/container-run.sh: set AIMETRICS_CONTAINER_TOOLS"
command -v pdftotext >/dev/null || die "pdftotext is missing: apt-get install poppler-utils"
"$python" -c 'import graphql, github' 2>/dev/null \
  || die "$python lacks the test extras for the fake GitHub: pip install -e '.[test]'"

work=$(mktemp -d /tmp/aimetrics-check.XXXXXX)
vol=$work/data
mkdir -p "$vol" && chown "$UID_IN_IMAGE" "$vol"
failures=0
dash_pid="" fake_pid=""

cleanup() {
  if [ -n "$dash_pid" ] && [ -f "$work/dash.pid" ]; then
    kill -- "-$(cat "$work/dash.pid")" 2>/dev/null
    sleep 1
    "$tools/container-run.sh" --cleanup "$work/dash.pid" 2>/dev/null
  fi
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  if [ "${AIMETRICS_CHECK_KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# One check: its name, then a command; PASS or FAIL and, on failure, the output's tail.
check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then
    echo "PASS $name"
  else
    echo "FAIL $name"; sed 's/^/    /' "$work/out" | tail -n 15
    failures=$((failures + 1))
  fi
}

# Runs CMD in a fresh container of the image with the volume at /data.
in_image() { "$tools/container-run.sh" "$image" "$vol:/data" "$@"; }
# One SQL answer from the image's store (the image has Python's sqlite3).
store_count() {
  in_image -- python -c 'import sqlite3, sys
print(sqlite3.connect("/data/aimetrics.db").execute(sys.argv[1]).fetchone()[0])' "$1"
}
at_least() { # at_least N SQL: the store answers N or more
  local n; n=$(store_count "$2" | tail -n 1)
  [ "${n:-0}" -ge "$1" ] || { echo "expected >= $1 for: $2, got ${n:-nothing}"; return 1; }
}

build() {
  if ! "${PODMAN[@]}" image exists docker.io/library/python:3.11-slim; then
    "$tools/container-base.sh" || return 1
  fi
  "${PODMAN[@]}" build --network host --isolation chroot --pull=never -t "$image" "$repo"
}

demo() {
  in_image -- aimetrics demo --no-serve --scale 0.2 && at_least 100 'select count(*) from pull_requests'
}

# The dashboard as the image's CMD serves it (on $port), in the background.
start_dashboard() {
  local cmd
  mapfile -t cmd < <("${PODMAN[@]}" image inspect "$image" --format '{{range .Config.Cmd}}{{println .}}{{end}}' | sed '/^$/d')
  [ "${cmd[*]}" = "aimetrics dashboard --port 8501" ] || { echo "unexpected CMD: ${cmd[*]}"; return 1; }
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is in use on this host: set AIMETRICS_CHECK_PORT to a free one"; return 1
  fi
  in_image --background "$work/dash.pid" -- "${cmd[@]:0:3}" "$port" || return 1
  dash_pid=$(cat "$work/dash.pid")
  for _ in $(seq 90); do
    [ "$(curl -fsS "http://127.0.0.1:$port/_stcore/health" 2>/dev/null)" = ok ] && return 0
    kill -0 "$dash_pid" 2>/dev/null || break # the dashboard stopped: no use waiting
    sleep 1
  done
  echo "no answer on :$port/_stcore/health after 90 s"; cat "$work/dash.pid.log"; return 1
}

# The Dockerfile's HEALTHCHECK command (podman's OCI images drop it), run in the container.
healthcheck() {
  local line cmd
  line=$(sed -n '/^HEALTHCHECK/,/CMD/p' "$repo/Dockerfile" | grep -o 'CMD \[.*\]') \
    || { echo "no HEALTHCHECK ... CMD [...] in the Dockerfile"; return 1; }
  cmd=${line#CMD }
  cmd=${cmd//:8501\//:$port\/}
  # The exec-form array, as JSON, becomes the argument list.
  mapfile -t argv < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])))' "$cmd")
  in_image -- "${argv[@]}"
}

host_health() { [ "$(curl -fsS "http://127.0.0.1:$port/_stcore/health")" = ok ]; }

collect_git() {
  # shellcheck disable=SC2016  # $n expands in the container's shell
  in_image -- sh -c 'set -e; rm -rf /data/repo; git init -q -b main /data/repo; cd /data/repo
    for n in 1 2 3; do
      echo "line $n" >>notes.txt; git add notes.txt
      git -c user.name=Alice -c user.email=alice@example.com commit -q -m "Change $n
" -m "Co-authored-by: Claude <noreply@anthropic.com>"
    done' || return 1
  in_image -- aimetrics collect git /data/repo --repo-name check/notes \
    && at_least 3 "select count(*) from commits c join repositories r on r.id = c.repo_id where r.full_name = 'check/notes'"
}

start_fake_github() {
  (cd "$repo/tests" && PYTHONPATH=.:github exec "$python" - "$work/fake.url" <<'PY'
import signal, sys
from collector_helpers import acme
from fakes.github_server import FakeGitHub

fake = FakeGitHub().start()
acme(fake)  # org acme with repo api and its recorded PRs
with open(sys.argv[1], "w") as f:
    f.write(fake.base_url)
signal.pause()
PY
  ) >"$work/fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 30); do [ -s "$work/fake.url" ] && return 0; sleep 1; done
  cat "$work/fake.log"; return 1
}

collect_github() {
  start_fake_github || return 1
  local token
  token=$(cd "$repo/tests" && "$python" -c 'from fakes.github_server import DEFAULT_TOKEN; print(DEFAULT_TOKEN)')
  printf 'github:\n  base_url: %s\n  repos: [acme/api]\n' "$(cat "$work/fake.url")" >"$vol/github.yaml"
  chown "$UID_IN_IMAGE" "$vol/github.yaml"
  in_image --env "GITHUB_TOKEN=$token" --env AIMETRICS_GITHUB_SECONDS_BETWEEN_WRITES=0 \
    -- aimetrics collect github --config /data/github.yaml \
    && at_least 1 "select count(*) from pull_requests p join repositories r on r.id = p.repo_id where r.full_name = 'acme/api'"
}

import_costs() {
  mkdir -p "$vol/costs" && cp "$repo/tests/fixtures/costs/generic.csv" "$vol/costs/"
  chown -R "$UID_IN_IMAGE" "$vol/costs"
  local before
  before=$(store_count 'select count(*) from cost_records' | tail -n 1)
  in_image -- aimetrics import costs --source generic /data/costs/generic.csv \
    && at_least $((before + 1)) 'select count(*) from cost_records'
}

report_html() {
  in_image -- aimetrics report --out /data/roi.html || return 1
  grep -q 'AI adoption and ROI' "$vol/roi.html" || { echo "roi.html lacks its title"; return 1; }
}

report_pdf() {
  in_image -- aimetrics report --out /data/roi.pdf || return 1
  [ "$(head -c 5 "$vol/roi.pdf")" = "%PDF-" ] || { echo "roi.pdf is not a PDF"; return 1; }
  local text # whole, not piped into grep -q: its early exit would fail pdftotext (pipefail)
  text=$(pdftotext "$vol/roi.pdf" -) || { echo "pdftotext cannot read roi.pdf"; return 1; }
  grep -q 'AI adoption and ROI' <<<"$text" || { echo "roi.pdf lacks its title"; return 1; }
}

echo "checking $image (built from $repo; volume $vol)"
check "build the image (podman, stand-in base)" build
[ "$failures" = 0 ] || exit 1
check "demo into the volume" demo
check "dashboard serves on :$port" start_dashboard
if [ -n "$dash_pid" ]; then
  check "HEALTHCHECK command in the container" healthcheck
  check "/_stcore/health from the host" host_health
fi
check "collect git (a repository made in the volume)" collect_git
check "collect github (fake GitHub on the host, token via --env)" collect_github
check "import costs (tests/fixtures/costs/generic.csv)" import_costs
check "report --out /data/roi.html" report_html
check "report --out /data/roi.pdf (a PDF, per pdftotext)" report_pdf

if [ "$failures" = 0 ]; then echo "all checks passed"; else echo "$failures check(s) failed"; exit 1; fi
