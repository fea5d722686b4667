#!/usr/bin/env bash
# Smoke test of the `scale` profile: two replicas behind the load balancer share one memcached token cache,
# so a token is validated with Keystone once in total; memcached is not published and the cache secret has
# no default. Run with (the profile needs a secret, see .env.example)
#   COMPOSE_PROFILES=scale MEMCACHE_SECRET_KEY=$(openssl rand -hex 32) \
#     ../shared/tools/container-check smoke . -- scripts/compose-scale-smoke.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/keystone-token.sh"
KEYSTONE=${KEYSTONE:-http://127.0.0.1:5000/v3}
LB=${LB:-http://127.0.0.1:8090}
COMPOSE_YML=${COMPOSE_YML:-$HERE/../docker-compose.yml}
fail() { echo "$*" >&2; exit 1; }

# The compose file: memcached has no `ports:` (nothing publishes 11211) and the secret has no default.
memcached_block=$(awk '/^  [A-Za-z0-9_-]+:/ { in_mc = ($1 == "memcached:") } in_mc' "$COMPOSE_YML")
[ -n "$memcached_block" ] || fail "no memcached service in $COMPOSE_YML"
! grep -Eq '^[[:space:]]+ports:' <<<"$memcached_block" || fail "memcached must not publish a port (ports: in $COMPOSE_YML)"
! grep -Eq '^[[:space:]]*(ports:.*|-[[:space:]]*)"?([0-9.]+:)?[0-9]+(-[0-9]+)?:11211' "$COMPOSE_YML" ||
  fail "$COMPOSE_YML maps a host port to 11211"
with_default=$(grep -v '^[[:space:]]*#' "$COMPOSE_YML" | grep 'MEMCACHE_SECRET_KEY' |
  grep -Ev '\$\{MEMCACHE_SECRET_KEY(:?-|:?\?[^}]*)?\}([[:space:]]*#.*)?$' || true)
[ -z "$with_default" ] || fail "MEMCACHE_SECRET_KEY must come from the environment with no default: $with_default"
echo "compose file: memcached not published, no default MEMCACHE_SECRET_KEY"

# On this host: nothing listens on 11211 except on loopback (with host networking, as under container-check,
# memcached binds the address of its service name, 127.0.0.1; with Docker it is not on the host at all).
if command -v ss >/dev/null 2>&1; then
  exposed=$(ss -Hltn 'sport = :11211' | awk '$4 !~ /^(127\.[0-9.]+|\[::1\]):11211$/ {print $4}')
  [ -z "$exposed" ] || fail "something listens on 11211 beyond loopback on this host: $exposed"
  echo "host: 11211 not reachable beyond loopback"
fi

token=$(keystone_token "$KEYSTONE" alt altpw alt)
[ -n "$token" ] || { echo "no token" >&2; exit 1; }

for i in $(seq 1 10); do
  names=$(curl -sf -H "X-Auth-Token: $token" "$LB/")
  grep -q '"alt-private"' <<<"$names" || { echo "request $i: unexpected answer $names" >&2; exit 1; }
done

valid() { curl -sf "$1/metrics" | awk '/^keystone_token_validations_total\{outcome="valid"\}/ {print $2}'; }
a=$(valid http://127.0.0.1:8081); b=$(valid http://127.0.0.1:8082)
echo "Keystone validations: service-a ${a:-0}, service-b ${b:-0}"
[ "$(( ${a:-0} + ${b:-0} ))" = 1 ] || { echo "expected one validation in total across replicas" >&2; exit 1; }
hits_b=$(curl -sf http://127.0.0.1:8082/metrics | awk '/^auth_token_cache_lookups_total\{result="hit"\}/ {print $2}')
hits_a=$(curl -sf http://127.0.0.1:8081/metrics | awk '/^auth_token_cache_lookups_total\{result="hit"\}/ {print $2}')
# shellcheck disable=SC2015 # both sides are tests: fail unless both hold
[ "${hits_a:-0}" != 0 ] && [ "${hits_b:-0}" != 0 ] || { echo "both replicas should have served from the cache" >&2; exit 1; }

# Without the secret a replica refuses to start: its own image, the replicas' settings, an empty key (what
# compose passes when MEMCACHE_SECRET_KEY is unset). Cheaper than a second `up` of the whole profile.
CONTAINER_CHECK=${CONTAINER_CHECK:-${SHARED:-$HERE/../../shared}/tools/container-check}
if [ -x "$CONTAINER_CHECK" ]; then engine=("$CONTAINER_CHECK" podman); run_opts=(--pull=never)
elif command -v docker >/dev/null 2>&1; then engine=(docker); run_opts=()
else engine=(); fi
if [ "${#engine[@]}" -gt 0 ]; then
  # The image service-a runs (compose names it after the project; both engines label the container).
  image=$("${engine[@]}" ps --filter label=com.docker.compose.service=service-a --format '{{.Image}}' | head -n1)
  [ -n "$image" ] || fail "no running service-a container to take the image from"
  ctr=replica-secret-check-$$
  rc=0
  out=$(timeout 60 "${engine[@]}" run --rm "${run_opts[@]}" --name "$ctr" --network host \
    -e OS_SERVER__PORT=8089 \
    -e OS_KEYSTONE_AUTHTOKEN__AUTH_URL=http://127.0.0.1:5000/v3 \
    -e OS_KEYSTONE_AUTHTOKEN__PASSWORD=unused \
    -e OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS=127.0.0.1:11211 \
    -e OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY=ENCRYPT \
    -e OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY= \
    "$image" 2>&1) || rc=$?
  "${engine[@]}" rm -f "$ctr" >/dev/null 2>&1 || true
  # shellcheck disable=SC2015 # both sides are tests: fail unless both hold
  [ "$rc" != 0 ] && grep -q 'memcache_secret_key' <<<"$out" ||
    fail "a replica without MEMCACHE_SECRET_KEY should refuse to start (exit $rc): $out"
  echo "without a secret: a replica refuses to start (exit $rc: $(grep -m1 memcache_secret_key <<<"$out"))"
else
  echo "no container engine found: skipped the start-without-secret check" >&2
fi
echo "scale smoke: ok"
