#!/usr/bin/env bash
# Smoke test of the `scale` profile: two replicas behind the load balancer share one memcached token cache,
# so a token is validated with Keystone once in total. Run with
#   COMPOSE_PROFILES=scale ../shared/tools/container-check smoke . -- scripts/compose-scale-smoke.sh
set -euo pipefail
. "$(dirname "$0")/lib/keystone-token.sh"
KEYSTONE=${KEYSTONE:-http://127.0.0.1:5000/v3}
LB=${LB:-http://127.0.0.1:8090}

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
[ "${hits_a:-0}" != 0 ] && [ "${hits_b:-0}" != 0 ] || { echo "both replicas should have served from the cache" >&2; exit 1; }
echo "scale smoke: ok"
