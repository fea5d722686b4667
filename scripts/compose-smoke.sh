#!/usr/bin/env bash
# Smoke test of docker-compose.yml from the host, as a user would do it: a token from the mock Keystone,
# then the service's answer. Used by `container-check smoke . -- scripts/compose-smoke.sh` (CI) and by hand.
set -euo pipefail
. "$(dirname "$0")/lib/keystone-token.sh"
KEYSTONE=${KEYSTONE:-http://127.0.0.1:5000/v3}
SERVICE=${SERVICE:-http://127.0.0.1:8080}

token=$(keystone_token "$KEYSTONE" demo demopw demo)
[ -n "$token" ] || { echo "no token from $KEYSTONE" >&2; exit 1; }

names=$(curl -sf -H "X-Auth-Token: $token" "$SERVICE/")
echo "names: $names"
grep -q '"demo-private"' <<<"$names" || { echo "demo-private missing" >&2; exit 1; }
grep -q 'null' <<<"$names" || { echo "the nameless image should be null" >&2; exit 1; }

status=$(curl -s -o /dev/null -w '%{http_code}' "$SERVICE/")
[ "$status" = 401 ] || { echo "expected 401 without a token, got $status" >&2; exit 1; }
challenge=$(curl -s -D - -o /dev/null "$SERVICE/" | awk 'tolower($1)=="www-authenticate:"' | tr -d '\r')
grep -q 'Keystone uri="http://keystone:5000/v3"' <<<"$challenge" || { echo "401 without WWW-Authenticate: $challenge" >&2; exit 1; }

# An application credential restricted to GET /images on this service (its type is its name) and the
# Glance call it makes (image GET /v2/images): without a service token, Glance checks the rules too.
restricted=$(app_cred_token "$KEYSTONE" demo demo-images-chain demo-images-chain-secret)
[ -n "$restricted" ] || { echo "no application-credential token" >&2; exit 1; }
curl -sf -H "X-Auth-Token: $restricted" "$SERVICE/images" | grep -q '"demo-private"' || { echo "access rule GET /images not honoured" >&2; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $restricted" "$SERVICE/")
[ "$status" = 401 ] || { echo "expected 401 for GET / outside the access rules, got $status" >&2; exit 1; }
curl -sf "$SERVICE/readyz" >/dev/null
echo "compose smoke: ok"
