#!/usr/bin/env bash
# bench/prefetch.sh - scanning a prefetched table against the API path and
# a plain heap table of the same rows.
#
# Usage (as root on Debian 12):  bash bench/prefetch.sh
#
# Starts a scratch cluster and conv-sim with CALLS calls (default 1 000 000;
# rate limits off on both sides, so that the API path is as fast as it can
# be), reads ev.calls through the API, prefetches it and waits for the
# background worker's backfill, then times the same query (sum of
# durations, so every row is produced) over: the API, the prefetched table
# (live delta since the watermark + local copy), the copy alone
# (copy_only), and a plain heap table made from the copy, both vacuumed as
# autovacuum would (a fresh copy's first scans set hint bits and check
# every tuple's visibility; a vacuumed one is all-visible).  Each is run
# RUNS times (default 3); the best time is reported, with ratios.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

CALLS=${CALLS:-1000000}
RUNS=${RUNS:-3}
QUERY="SELECT sum(duration), count(*) FROM"

# Run SQL in the scratch cluster, quietly, as postgres.
sql() {
	as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"
}

# Best wall time in milliseconds of RUNS runs of the query over a table.
best_ms() {
	local table=$1 best= i t0 t1 ms

	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		sql "$QUERY $table" >/dev/null
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		if [[ -z $best ]] || ((ms < best)); then best=$ms; fi
	done
	echo "$best"
}

# a / b, with one decimal.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'
}

# Create the extension, the server (rate limit off), the tables.
setup() {
	sql "CREATE EXTENSION conv_fdw"
	sql "CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'execvision', base_url '$CONV_SIM_URL', rate_limit '100000/s')"
	sql "CREATE USER MAPPING FOR CURRENT_USER SERVER ev OPTIONS (username '$SIM_EV_USER', password '$SIM_EV_PASSWORD')"
	sql "CREATE SCHEMA ev; CREATE SCHEMA api"
	sql "IMPORT FOREIGN SCHEMA execvision LIMIT TO (calls) FROM SERVER ev INTO ev"
	sql "IMPORT FOREIGN SCHEMA execvision LIMIT TO (calls) FROM SERVER ev INTO api"
}

# Prefetch ev.calls and wait until the worker's backfill is complete.
backfill() {
	local rows=0

	sql "SELECT conv_fdw.prefetch('ev.calls', '1 hour')"
	while :; do
		rows=$(sql "SELECT coalesce(rows, 0) FROM conv_fdw.sync_status WHERE last_sync IS NOT NULL")
		[[ -n $rows ]] && break
		sleep 2
	done
	log "backfill done: $rows rows in the local copy"
}

main() {
	local api prefetched copy heap

	require_root
	ensure_packages
	build
	make_scratch
	install_exit_trap
	start_cluster
	start_sim --calls "$CALLS" --no-rate-limits
	setup

	log "timing the API path"
	api=$(best_ms api.calls)
	log "backfilling the local copy"
	backfill
	# both tables as autovacuum keeps them: all-visible, hint bits set
	sql "VACUUM ANALYZE conv_fdw.copy_$(sql "SELECT 'ev.calls'::regclass::oid")"
	prefetched=$(best_ms ev.calls)
	sql "ALTER FOREIGN TABLE ev.calls OPTIONS (ADD copy_only 'true')"
	copy=$(best_ms ev.calls)
	sql "CREATE TABLE heap_calls AS SELECT * FROM conv_fdw.copy_$(sql "SELECT 'ev.calls'::regclass::oid")"
	sql "VACUUM ANALYZE heap_calls"
	heap=$(best_ms heap_calls)

	printf '\n%-40s %10s %12s\n' "scan of $CALLS calls ($QUERY ...)" "best ms" "vs heap"
	printf '%-40s %10d %11sx\n' "API (no prefetch)" "$api" "$(ratio "$api" "$heap")"
	printf '%-40s %10d %11sx\n' "prefetched (live delta + copy)" "$prefetched" "$(ratio "$prefetched" "$heap")"
	printf '%-40s %10d %11sx\n' "prefetched, copy_only" "$copy" "$(ratio "$copy" "$heap")"
	printf '%-40s %10d %11sx\n' "plain heap table" "$heap" 1
	printf '\nprefetched is %sx faster than the API path\n' "$(ratio "$api" "$prefetched")"
}

main "$@"
