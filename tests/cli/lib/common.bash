# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the CLI tests: each test gets the vigie binary as $1 and
# a fresh temporary directory removed at exit.
set -euo pipefail
VIGIE=${1:?usage: test.sh PATH-TO-VIGIE}
TMP=$(mktemp -d /tmp/vigie-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export VIGIE_HUB=$TMP/hub
SHARED=${VG_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
SRC=${VG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
fails=0
checks=0

ok() { checks=$((checks + 1)); echo "ok - $*"; }
not_ok() { checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then ok "$d"; else not_ok "$d"; fi
}
eq() { # eq DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}
skip_all() { echo "skip: $*"; exit 77; }
finish() {
  echo "$((checks - fails)) passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# start_server [ARGS...]: `vigie serve` on a free loopback port, waiting
# until it listens; sets PORT and SERVER_PID (logs in $TMP/serve.log).
start_server() {
  "$VIGIE" serve --listen 127.0.0.1:0 "$@" >"$TMP/serve.out" 2>"$TMP/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do grep -q listening "$TMP/serve.out" 2>/dev/null && break; sleep 0.05; done
  PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/serve.out")
  if [ -z "$PORT" ]; then
    cat "$TMP/serve.out" "$TMP/serve.log"
    kill "$SERVER_PID" 2>/dev/null || true
    not_ok "server started"
    finish
    exit 1
  fi
}
