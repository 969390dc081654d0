# shellcheck shell=bash
# scripts/lib.sh - functions shared by scripts/test.sh and scripts/demo.sh.
#
# Source it; do not run it.  The functions install what conv_fdw needs from
# Debian, build and install it, and run a throwaway PostgreSQL cluster and
# conv-sim (the vendor simulator) in a scratch directory under /tmp.
#
# PostgreSQL refuses to run as root, so the cluster and the simulator run
# as the "postgres" OS user.  The checkout may live where that user cannot
# read (/root/...), so everything they need is copied into the scratch
# directory first.
#
# Scratch directory layout ($SCRATCH):
#   src/        copies of sql/, expected/, demo/, test/t, test/lib and the
#               simulator (src/test/sim/conv-sim, src/test/sim/gen-certs.sh)
#   pgdata/     the cluster; its log is postgres.log, its socket is here too
#   sim/        conv-sim's certificates, port file, request log and pid file
#   regress/    pg_regress output
#   tap/        PostgreSQL::Test::Cluster's working directory (TESTDIR)

# Settings used by the scripts that source this file.
# shellcheck disable=SC2034
{
	PG_MAJOR=15
	PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
	PG_CONFIG=$PG_BIN/pg_config
	PGXS_DIR=/usr/lib/postgresql/$PG_MAJOR/lib/pgxs
	PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
	PG_PERL_LIB=$PGXS_DIR/src/test/perl

	CONV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

	# conv-sim's default ExecVision credentials.
	SIM_EV_USER=ev-user
	SIM_EV_PASSWORD=ev-secret
}

# Debian packages for building, running and testing conv_fdw and conv-sim.
# JSON::PP and HTTP::Tiny are in Perl's core; IO::Socket::SSL gives
# HTTP::Tiny its https support.
REQUIRED_PACKAGES=(
	"postgresql-$PG_MAJOR"
	"postgresql-server-dev-$PG_MAJOR"
	postgresql-contrib
	build-essential
	pkg-config
	libcurl4-openssl-dev
	libjson-c-dev
	libmicrohttpd-dev
	libgnutls28-dev
	openssl
	curl
	ca-certificates
	libipc-run-perl
	libio-socket-ssl-perl
)

SCRATCH=
PGDATA=

# Print a progress line.
log() {
	printf '==> %s\n' "$*"
}

# Print an error and exit.
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Refuse to go on unless running as root (apt-get, make install, runuser).
require_root() {
	[[ $EUID -eq 0 ]] || die "run this as root (it installs packages and runs PostgreSQL as user postgres)"
}

# Install the packages of REQUIRED_PACKAGES that are not installed yet.
ensure_packages() {
	local pkg missing=()

	for pkg in "${REQUIRED_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
			grep -qx 'install ok installed'; then
			missing+=("$pkg")
		fi
	done
	if ((${#missing[@]} == 0)); then
		log "all required Debian packages are installed"
		return
	fi

	log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Build and install the extension, and build conv-sim.
build() {
	local jobs

	jobs=$(nproc)
	log "building and installing conv_fdw"
	make -C "$CONV_ROOT" -s -j"$jobs" PG_CONFIG="$PG_CONFIG"
	make -C "$CONV_ROOT" -s PG_CONFIG="$PG_CONFIG" install
	log "building conv-sim"
	make -C "$CONV_ROOT" -s -j"$jobs" PG_CONFIG="$PG_CONFIG" sim
	[[ -x $CONV_ROOT/test/sim/conv-sim ]] || die "make sim did not produce test/sim/conv-sim"
}

# Create the scratch directory and copy in what the cluster and tests need.
make_scratch() {
	SCRATCH=$(mktemp -d /tmp/conv_fdw.XXXXXX)
	PGDATA=$SCRATCH/pgdata
	chmod 755 "$SCRATCH"

	mkdir -p "$SCRATCH/src/test/sim" "$SCRATCH/sim" "$SCRATCH/regress" "$SCRATCH/tap"
	cp -R "$CONV_ROOT/sql" "$CONV_ROOT/expected" "$CONV_ROOT/demo" "$SCRATCH/src/"
	cp -R "$CONV_ROOT/test/t" "$CONV_ROOT/test/lib" "$SCRATCH/src/test/"
	cp "$CONV_ROOT/test/sim/conv-sim" "$CONV_ROOT/test/sim/gen-certs.sh" "$SCRATCH/src/test/sim/"
	# The clusters load this build's library from here, not from $libdir,
	# where another checkout on the machine may install its own meanwhile.
	mkdir -p "$SCRATCH/lib"
	cp "$CONV_ROOT/conv_fdw.so" "$SCRATCH/lib/"
	printf "dynamic_library_path = '%s:\$libdir'\n" "$SCRATCH/lib" >"$SCRATCH/lib/cluster.conf"
	chown -R postgres:postgres "$SCRATCH"
	export SCRATCH PGDATA
}

# Point SCRATCH and PGDATA at an existing scratch directory, after checking
# that it is one (so that a mistyped argument cannot make us rm -rf it).
use_scratch() {
	local dir

	dir=$(realpath -e -- "$1" 2>/dev/null) || die "$1 does not exist"
	[[ $dir == /tmp/conv_fdw.* && -d $dir/pgdata && -d $dir/sim ]] ||
		die "$dir is not a conv_fdw scratch directory"
	SCRATCH=$dir
	PGDATA=$SCRATCH/pgdata
	export SCRATCH PGDATA
}

# Run a command as the postgres OS user in directory $1, with the
# PostgreSQL binaries first in PATH and the rest of the environment kept.
in_dir_as_postgres() {
	local dir=$1
	shift
	(cd "$dir" && runuser -u postgres -- env PATH="$PG_BIN:$PATH" "$@")
}

# Run a command as the postgres OS user in the scratch directory.
as_postgres() {
	in_dir_as_postgres "$SCRATCH" "$@"
}

# Print a TCP port on 127.0.0.1 that is free right now.
free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
									  LocalPort => 0, ReuseAddr => 1)
		  or die "cannot find a free port: $!\n";
		print $s->sockport, "\n";'
}

# Create and start the scratch cluster; sets and exports PGHOST, PGPORT and
# PGUSER so that psql and pg_regress reach it.
start_cluster() {
	PGPORT=$(free_port)
	PGHOST=$SCRATCH
	PGUSER=postgres
	export PGHOST PGPORT PGUSER

	log "creating a PostgreSQL $PG_MAJOR cluster in $PGDATA"
	if ! as_postgres initdb --pgdata="$PGDATA" --auth=trust --username=postgres \
		--encoding=UTF8 --locale=C --no-sync >"$SCRATCH/initdb.log" 2>&1; then
		cat "$SCRATCH/initdb.log" >&2
		die "initdb failed"
	fi
	as_postgres tee -a "$PGDATA/postgresql.conf" >/dev/null <<-EOF

		# scratch cluster of conv_fdw's scripts/lib.sh
		port = $PGPORT
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$SCRATCH'
		shared_preload_libraries = 'conv_fdw'
		fsync = off
	EOF
	as_postgres tee -a "$PGDATA/postgresql.conf" <"$SCRATCH/lib/cluster.conf" >/dev/null

	log "starting PostgreSQL (socket in $SCRATCH, port $PGPORT)"
	if ! as_postgres pg_ctl --pgdata="$PGDATA" --log="$SCRATCH/postgres.log" \
		--wait start >/dev/null; then
		tail -n 30 "$SCRATCH/postgres.log" >&2
		die "PostgreSQL did not start"
	fi
}

# Read conv-sim's port file into SIM_HTTP_PORT and SIM_HTTPS_PORT; fails
# until the file has both.
read_sim_ports() {
	local file=$SCRATCH/sim/ports line

	SIM_HTTP_PORT=
	SIM_HTTPS_PORT=
	[[ -r $file ]] || return 1
	while IFS= read -r line; do
		case $line in
			http=*) SIM_HTTP_PORT=${line#http=} ;;
			https=*) SIM_HTTPS_PORT=${line#https=} ;;
		esac
	done <"$file"
	[[ -n $SIM_HTTP_PORT && -n $SIM_HTTPS_PORT ]]
}

# Does conv-sim answer its health check, over http and over verified https?
sim_healthy() {
	curl -fsS --noproxy '*' -o /dev/null --max-time 2 \
		"http://127.0.0.1:$SIM_HTTP_PORT/_admin/health" 2>/dev/null &&
		curl -fsS --noproxy '*' -o /dev/null --max-time 2 \
			--cacert "$SCRATCH/sim/certs/ca.pem" \
			"https://localhost:$SIM_HTTPS_PORT/_admin/health" 2>/dev/null
}

# Is the process whose pid is in file $1 running?
pid_file_alive() {
	[[ -s $1 ]] && kill -0 "$(<"$1")" 2>/dev/null
}

# Wait until conv-sim is healthy, then export its addresses for the tests:
# CONV_SIM_URL (http), CONV_SIM_TLS_URL (https) and CONV_SIM_CA.
wait_for_sim() {
	local i

	for ((i = 0; i < 300; i++)); do
		if read_sim_ports && sim_healthy; then
			export CONV_SIM_URL=http://127.0.0.1:$SIM_HTTP_PORT
			export CONV_SIM_TLS_URL=https://localhost:$SIM_HTTPS_PORT
			export CONV_SIM_CA=$SCRATCH/sim/certs/ca.pem
			return 0
		fi
		if ((i > 5)) && ! pid_file_alive "$SCRATCH/sim/pid"; then
			cat "$SCRATCH/sim/conv-sim.out" >&2
			die "conv-sim exited during startup"
		fi
		sleep 0.1
	done
	cat "$SCRATCH/sim/conv-sim.out" >&2
	die "conv-sim did not become healthy within 30 seconds"
}

# Generate the test CA and server certificate, then start conv-sim on
# ephemeral ports (http and https) and wait until it is healthy.  Extra
# arguments are passed on to conv-sim.
start_sim() {
	local dir=$SCRATCH/sim

	log "generating test certificates in $dir/certs"
	if ! as_postgres bash "$SCRATCH/src/test/sim/gen-certs.sh" "$dir/certs" \
		>"$dir/gen-certs.log" 2>&1; then
		cat "$dir/gen-certs.log" >&2
		die "gen-certs.sh failed"
	fi

	log "starting conv-sim"
	# The inner shell writes its own pid and then becomes conv-sim, so the
	# pid file names the simulator itself rather than runuser.  setsid keeps
	# it out of the terminal's process group: it is stopped by stop_sim.
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	as_postgres setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' conv-sim \
		"$dir/pid" "$SCRATCH/src/test/sim/conv-sim" \
		--http-port 0 --https-port 0 --cert-dir "$dir/certs" \
		--port-file "$dir/ports" --log "$dir/requests.log" "$@" \
		</dev/null >"$dir/conv-sim.out" 2>&1 &
	wait_for_sim
	log "conv-sim is serving $CONV_SIM_URL and $CONV_SIM_TLS_URL"
}

# Stop conv-sim if it runs: SIGTERM, then SIGKILL after 5 seconds.
stop_sim() {
	local pidfile=$SCRATCH/sim/pid i

	pid_file_alive "$pidfile" || return 0
	kill "$(<"$pidfile")" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		pid_file_alive "$pidfile" || return 0
		sleep 0.1
	done
	kill -KILL "$(<"$pidfile")" 2>/dev/null || true
}

# Stop the scratch cluster if it runs.
stop_cluster() {
	[[ -f $PGDATA/postmaster.pid ]] || return 0
	as_postgres pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null ||
		true
}

# Stop whatever was started in the scratch directory.
stop_all() {
	[[ -n $SCRATCH ]] || return 0
	stop_sim
	stop_cluster
}

# Stop everything and delete the scratch directory.
remove_scratch() {
	stop_all
	[[ -n $SCRATCH ]] && rm -rf "$SCRATCH"
	SCRATCH=
}

# Run a SQL file (path relative to the copied sources) with psql, stopping
# at the first error.  Extra arguments go to psql (e.g. -a or -e).
run_psql_file() {
	local file=$1
	shift
	in_dir_as_postgres "$SCRATCH/src" psql -X -v ON_ERROR_STOP=1 "$@" \
		-d postgres -f "$file"
}

# EXIT trap of the scripts.  After success everything is stopped and the
# scratch directory deleted; after a failure everything is stopped but the
# directory is kept for inspection.  With KEEP_RUNNING=1 nothing is touched.
on_exit() {
	local status=$?

	[[ -n $SCRATCH ]] || return 0
	((${KEEP_RUNNING:-0})) && return 0
	if ((status == 0)); then
		remove_scratch
	else
		stop_all
		printf 'logs and output kept in %s\n' "$SCRATCH" >&2
	fi
}

# Install on_exit, and make the signals that would otherwise kill the
# script without it (Ctrl-C, kill, a closed terminal or pipe) run it too.
install_exit_trap() {
	trap on_exit EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
}
