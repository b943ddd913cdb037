#!/bin/sh
# Run every benchmark on one database, one after the other, and keep their figures as JSON.
#
#   benchmarks/run_all.sh                      # SQLite: a fresh temporary file per script
#   benchmarks/run_all.sh postgres://postgres@127.0.0.1:5432/ptdv_bench
#
# With a URL, every script is given --reset: THE DATABASE'S TABLES ARE DROPPED before each
# script. Use a database made for the benchmarks only. OUT (default /tmp/ptdv-bench-results)
# receives one JSON file per script.
set -eu
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=${OUT:-/tmp/ptdv-bench-results}
mkdir -p "$OUT"
if [ $# -ge 1 ]; then
    DB="--database-url $1 --reset"
    TAG=$(echo "$1" | cut -d: -f1)
else
    DB=""
    TAG=sqlite
fi
# shellcheck disable=SC2086  # $DB is two words on purpose
$PY benchmarks/build_province.py $DB --json "$OUT/$TAG-build.json"
$PY benchmarks/build_province.py $DB --tracemalloc --json "$OUT/$TAG-build-tracemalloc.json"
$PY benchmarks/pages.py $DB --json "$OUT/$TAG-pages.json"
$PY benchmarks/rule_evaluation.py $DB --json "$OUT/$TAG-rules.json"
$PY benchmarks/reports.py $DB --json "$OUT/$TAG-reports.json"
$PY benchmarks/dossier.py $DB --json "$OUT/$TAG-dossier.json"
$PY benchmarks/imports.py $DB --kinds ho-so,nguoi --json "$OUT/$TAG-imports.json"
$PY benchmarks/access_log.py $DB --json "$OUT/$TAG-access-log.json"
$PY benchmarks/retention.py $DB --json "$OUT/$TAG-retention.json"
$PY benchmarks/backup_encryption.py $DB --json "$OUT/$TAG-backup-encryption.json"
echo "figures in $OUT/$TAG-*.json"
