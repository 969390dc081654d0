#!/usr/bin/env bash
# scripts/test.sh - build conv_fdw and run its test suites.
#
# Usage (as root on Debian 12):  bash scripts/test.sh [TAP_TEST...]
#
# Installs missing Debian packages, builds and installs the extension and
# conv-sim, starts a scratch cluster and conv-sim, then runs the pg_regress
# tests (REGRESS in the Makefile) and the TAP tests in test/t.  Naming TAP
# tests (e.g. "001_load" or "test/t/001_load.pl") runs only those; the
# pg_regress suite always runs.  Exits non-zero if any test failed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Set TAP_FILES to the TAP test files to run, relative to the source tree:
# all of test/t/*.pl, or the ones named in the arguments.
select_tap_files() {
	local name

	TAP_FILES=()
	if (($# == 0)); then
		for name in "$CONV_ROOT"/test/t/*.pl; do
			TAP_FILES+=("test/t/${name##*/}")
		done
		return
	fi
	for name; do
		name=$(basename "$name" .pl)
		[[ -f $CONV_ROOT/test/t/$name.pl ]] || die "no TAP test test/t/$name.pl"
		TAP_FILES+=("test/t/$name.pl")
	done
}

# Run the pg_regress suite against the scratch cluster; on failure show
# regression.diffs.
run_regress() {
	local tests

	read -r -a tests <<<"$(make -s --no-print-directory -C "$CONV_ROOT" \
		PG_CONFIG="$PG_CONFIG" print-regress)"
	# errexit does not apply here (the caller tests our status): check
	((${#tests[@]} > 0)) || { log "no pg_regress tests found"; return 1; }
	log "running pg_regress: ${tests[*]}"
	# pg_regress creates its database itself, with the settings (lc_messages,
	# timezone, datestyle) that make its output comparable.
	if as_postgres "$PG_REGRESS" --bindir="$PG_BIN" \
		--host="$PGHOST" --port="$PGPORT" --user=postgres \
		--inputdir="$SCRATCH/src" --outputdir="$SCRATCH/regress" \
		--dbname=contrib_regression "${tests[@]}"; then
		return 0
	fi
	if [[ -f $SCRATCH/regress/regression.diffs ]]; then
		log "regression.diffs:"
		cat "$SCRATCH/regress/regression.diffs"
	fi
	return 1
}

# Run TAP test files (relative to the source tree) with prove.
run_tap() {
	log "running TAP tests: $*"
	# PostgreSQL::Test::Cluster needs PG_REGRESS (for --config-auth) and
	# keeps its nodes and logs under TESTDIR/tmp_check; TEMP_CONFIG makes
	# its nodes load this build's library (make_scratch).  ConvSim.pm finds
	# the simulator through the CONV_SIM_* variables and reuses the
	# certificates made for the shared simulator.
	if in_dir_as_postgres "$SCRATCH/src" env \
		PG_REGRESS="$PG_REGRESS" \
		TESTDIR="$SCRATCH/tap" \
		TEMP_CONFIG="$SCRATCH/lib/cluster.conf" \
		CONV_SIM_BIN="$SCRATCH/src/test/sim/conv-sim" \
		CONV_SIM_GEN_CERTS="$SCRATCH/src/test/sim/gen-certs.sh" \
		CONV_SIM_CERT_DIR="$SCRATCH/sim/certs" \
		prove -I "$PG_PERL_LIB" -I "$SCRATCH/src/test/lib" "$@"; then
		return 0
	fi
	log "TAP test logs are in $SCRATCH/tap/tmp_check/log"
	return 1
}

main() {
	local failed=0

	require_root
	select_tap_files "$@"

	ensure_packages
	build
	make_scratch
	install_exit_trap
	start_cluster
	# a fixed data set and clock, so that pg_regress output is stable; 03:00
	# UTC is ExecVision's night window (25 requests/s); the vendors that
	# reject requests over a quota get quotas no test reaches (the quotas
	# themselves are tested on simulators of their own)
	start_sim --calls 3000 --users 60 --clock 2026-11-20T03:00:00Z \
		--anchor 2026-11-20T02:00:00Z \
		--voicegain-per-minute 1000000 --voicegain-per-hour 1000000
	export CONV_SIM_LOG=$SCRATCH/sim/requests.log

	run_regress || failed=1
	run_tap "${TAP_FILES[@]}" || failed=1
	((failed == 0)) || die "some tests failed"
}

main "$@"
