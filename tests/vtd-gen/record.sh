#!/bin/sh
# record.sh - (re)generate the VT-d traces and record QEMU 7.2's replies
# next to them (TRACE.expected), two QEMU processes at a time.
#
#   tests/vtd-gen/record.sh            everything
#   tests/vtd-gen/record.sh FILE...    only these traces (no regeneration)
set -e
here=$(cd "$(dirname "$0")" && pwd)
oracle="$here/../oracle/qtest-oracle.py"
dir="$here/../qtest/vtd"
if [ $# -eq 0 ]; then
    python3 "$here/gen.py"
    python3 "$here/rejected.py" --record
    set -- "$dir"/*.qtest
fi
printf '%s\n' "$@" | xargs -P "${JOBS:-2}" -n 20 python3 "$oracle" --record \
    | grep -v '^recorded' || true
python3 "$here/check.py" --summary "$@"
