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
