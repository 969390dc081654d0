#!/usr/bin/env bash
# scripts/demo.sh - show conv_fdw set up against the simulated vendor APIs.
#
# Usage (as root on Debian 12):
#   bash scripts/demo.sh             run the demo, then stop everything
#   bash scripts/demo.sh --keep      leave the cluster and conv-sim running
#   bash scripts/demo.sh --stop DIR  stop what a --keep run left in DIR
#
# Installs missing Debian packages, builds and installs conv_fdw and
# conv-sim, starts a scratch cluster and conv-sim (https with a test CA),
# runs demo/setup.sql (extension, server, user mapping), shows the
# simulator answering, and runs the analyst's queries in demo/queries.sql.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Print the usage text.
usage() {
	sed -n '4,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# Print a heading for the next step of the demo.
step() {
	printf '\n=== %s\n\n' "$*"
}

# Summarize a JSON array of ExecVision calls on standard input: one line
# per call, then the fields a call has.
summarize_calls() {
	perl -MJSON::PP -e '
		my $calls = JSON::PP->new->decode(do { local $/; <STDIN> });
		printf "%-36s  %-20s  %-9s  %5s  %s\n",
		  qw(id callTime direction secs metadata.company);
		printf "%-36s  %-20s  %-9s  %5s  %s\n", $_->{id}, $_->{callTime},
		  $_->{direction} // "", $_->{duration} // "",
		  $_->{metadata}{company} // "" foreach @$calls;
		printf "\nfields of a call: %s\n", join(", ", sort keys %{ $calls->[0] })
		  if @$calls;'
}

# Show conv-sim serving ExecVision's API: the first three calls, over https
# verified with the test CA.
show_simulator() {
	local url="$CONV_SIM_TLS_URL/api/ev/2/calls?since=2000-01-01T00:00Z&limit=3"

	step "conv-sim serves ExecVision's API over https: the first 3 calls"
	printf '$ curl --cacert %s -u %s:%s '\''%s'\''\n\n' \
		"$CONV_SIM_CA" "$SIM_EV_USER" '***' "$url"
	curl -fsS --noproxy '*' --cacert "$CONV_SIM_CA" \
		-u "$SIM_EV_USER:$SIM_EV_PASSWORD" "$url" | summarize_calls
}

# Tell how to use and stop what --keep leaves running.
print_keep_instructions() {
	step "left running (--keep)"
	cat <<-EOF
		PostgreSQL: $PG_BIN/psql -h $PGHOST -p $PGPORT -U postgres
		            (log: $SCRATCH/postgres.log)
		conv-sim:   $CONV_SIM_TLS_URL (CA $CONV_SIM_CA) and $CONV_SIM_URL,
		            ExecVision user $SIM_EV_USER, password $SIM_EV_PASSWORD
		            (request log: $SCRATCH/sim/requests.log)
		To stop:    bash $CONV_ROOT/scripts/demo.sh --stop $SCRATCH
	EOF
}

main() {
	local keep=0

	case ${1:-} in
		'') ;;
		--keep) keep=1 ;;
		--stop)
			(($# == 2)) || { usage >&2; exit 2; }
			require_root
			use_scratch "$2"
			remove_scratch
			log "stopped the demo and removed $2"
			return
			;;
		-h | --help)
			usage
			return
			;;
		*)
			usage >&2
			exit 2
			;;
	esac

	require_root
	ensure_packages
	build
	make_scratch
	install_exit_trap
	start_cluster
	# 20 000 calls over 90 days up to now: the demo's queries take seconds
	start_sim --calls 20000
	export CONV_SIM_EV_USER=$SIM_EV_USER CONV_SIM_EV_PASSWORD=$SIM_EV_PASSWORD

	step "set up: CREATE EXTENSION, CREATE SERVER, CREATE USER MAPPING (demo/setup.sql)"
	run_psql_file demo/setup.sql -a

	show_simulator

	step "what an analyst sees (demo/queries.sql)"
	run_psql_file demo/queries.sql -e

	if ((keep)); then
		KEEP_RUNNING=1
		print_keep_instructions
	else
		step "stopping PostgreSQL and conv-sim (use --keep to leave them running)"
	fi
}

main "$@"
