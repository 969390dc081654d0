#!/usr/bin/env bash
# bench/sim-throughput.sh - how fast conv-sim, the vendor simulator, serves.
#
# Usage (as root on Debian 12):  bash bench/sim-throughput.sh
#
# Builds test/sim/conv-sim, starts it with the default data set (100 000
# calls), rate limits off and the request log on, and measures on loopback:
#   - GET /api/ev/2/check and GET /api/ev/2/call/{id} with wrk over
#     8 keep-alive connections (wrk is installed with apt-get if missing);
#   - with curl, the MB/s of one page of 1000 calls with transcripts and
#     CRM matches.
# Prints a small table and stops the simulator.  The benchmarks of conv_fdw
# need 20 000 requests/s and 200 MB/s from it (docs/simulator.md, "Speed").
#
# Settings (environment): DURATION (seconds per wrk run, default 5),
# CONNECTIONS (default 8), THREADS (wrk threads, default 2), CALLS (default
# 100000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIM=$ROOT/test/sim/conv-sim
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
CALLS=${CALLS:-100000}
AUTH="Authorization: Basic $(printf '%s' 'ev-user:ev-secret' | base64)"

WORK=
SIM_PID=

# Print a progress line (to stderr: stdout is the table).
log() {
	printf '==> %s\n' "$*" >&2
}

# Print an error and exit.
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Stop the simulator and remove the scratch directory.
cleanup() {
	if [[ -n $SIM_PID ]] && kill -0 "$SIM_PID" 2>/dev/null; then
		kill "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
	fi
	[[ -n $WORK ]] && rm -rf "$WORK"
	return 0
}

# Install wrk and curl when they are missing.
ensure_tools() {
	local missing=() tool

	for tool in wrk curl; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	((${#missing[@]} == 0)) && return
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# Start conv-sim on a free port and wait until it answers; sets SIM_URL.
start_sim() {
	local i port=

	log "starting conv-sim ($CALLS calls, rate limits off, request log on)"
	"$SIM" --http-port 0 --port-file "$WORK/ports" --log "$WORK/requests.log" \
		--calls "$CALLS" --clock 2026-11-20T03:00:00Z --anchor 2026-11-20T00:00:00Z \
		--no-rate-limits >"$WORK/conv-sim.out" 2>&1 &
	SIM_PID=$!
	for ((i = 0; i < 300; i++)); do
		if [[ -s $WORK/ports ]]; then
			port=$(sed -n 's/^http=//p' "$WORK/ports")
			SIM_URL=http://127.0.0.1:$port
			curl -fsS --noproxy '*' -o /dev/null "$SIM_URL/_admin/health" 2>/dev/null && return
		fi
		kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/conv-sim.out" >&2; die "conv-sim exited"; }
		sleep 0.1
	done
	die "conv-sim did not start within 30 seconds"
}

# Run wrk against a URL (with a Lua script when given) and print its
# requests/s; die if any answer was not a 2xx.
wrk_rate() {
	local url=$1 script=${2:-} out
	local args=(-t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" -H "$AUTH")

	[[ -n $script ]] && args+=(-s "$script")
	out=$(wrk "${args[@]}" "$url")
	if grep -q 'Non-2xx' <<<"$out"; then
		printf '%s\n' "$out" >&2
		die "wrk got error answers from $url"
	fi
	awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out"
}

# Write a wrk script that cycles through the ids of the first 1000 calls.
write_call_script() {
	local ids

	ids=$(curl -fsS --noproxy '*' -H "$AUTH" \
		"$SIM_URL/api/ev/2/calls?since=2000-01-01T00:00Z&limit=1000" |
		grep -o '"id":"[0-9a-f-]\{36\}"' | cut -d'"' -f4 | sort -u | sed 's/.*/"&",/')
	[[ -n $ids ]] || die "no call ids from $SIM_URL"
	cat >"$WORK/call.lua" <<-EOF
		ids = { $ids }
		n = 0
		request = function()
		  n = n % #ids + 1
		  return wrk.format("GET", "/api/ev/2/call/" .. ids[n])
		end
	EOF
}

# Fetch the 1000-call page with transcripts and CRM matches three times
# with curl; print "bytes seconds" of the fastest.
page_rate() {
	local url="$SIM_URL/api/ev/2/calls?since=2000-01-01T00:00Z&limit=1000&include_transcripts=true&include_crm_matches=true"
	local i line best=

	for ((i = 0; i < 3; i++)); do
		line=$(curl -fsS --noproxy '*' -H "$AUTH" -o /dev/null \
			-w '%{size_download} %{time_total}\n' "$url")
		if [[ -z $best ]] || awk -v a="${line#* }" -v b="${best#* }" 'BEGIN { exit !(a < b) }'; then
			best=$line
		fi
	done
	printf '%s\n' "$best"
}

main() {
	local check call page bytes secs

	[[ $EUID -eq 0 ]] || die "run this as root (it may apt-get install wrk)"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	ensure_tools
	log "building conv-sim"
	make -s -C "$ROOT/test/sim" >&2
	WORK=$(mktemp -d /tmp/conv-sim-bench.XXXXXX)
	start_sim

	log "wrk: GET check, $CONNECTIONS connections, ${DURATION} s"
	check=$(wrk_rate "$SIM_URL/api/ev/2/check")
	write_call_script
	log "wrk: GET call/{id}, $CONNECTIONS connections, ${DURATION} s"
	call=$(wrk_rate "$SIM_URL/api/ev/2/call/" "$WORK/call.lua")
	log "curl: a page of 1000 calls with transcripts and CRM matches"
	page=$(page_rate)
	bytes=${page% *}
	secs=${page#* }

	printf '\nconv-sim throughput: %s calls, loopback, rate limits off, request log on\n\n' "$CALLS"
	printf '| %-62s | %-36s |\n' load result
	printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..64})" "$(printf -- '-%.0s' {1..38})"
	printf '| %-62s | %-36s |\n' \
		"GET check, $CONNECTIONS keep-alive connections (wrk)" "$check requests/s" \
		"GET call/{id}, $CONNECTIONS keep-alive connections (wrk)" "$call requests/s" \
		"GET calls?limit=1000, transcripts + CRM matches (curl)" \
		"$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f MB in %.3f s: %.0f MB/s", b / 1e6, s, b / 1e6 / s }')"
}

main "$@"
