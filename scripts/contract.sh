#!/usr/bin/env bash
# npm run test:contract: the contract tests against the real Keystone and Glance in one command (as root, on
# Debian). Unless RO_KEYSTONE_URL and RO_GLANCE_URL already point at running ones, scripts/real-openstack.sh
# installs (when needed) and starts them first. They keep running afterwards, so that the next run starts in
# seconds: `scripts/real-openstack.sh stop` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RO_KEYSTONE_URL:-}" ] || [ -z "${RO_GLANCE_URL:-}" ]; then
  # Its stdout is the one line `export RO_KEYSTONE_URL=… RO_GLANCE_URL=…`: only the two URLs reach the tests,
  # never the admin's OS_* credentials.
  # (Assigned first: `eval "$(…)"` would hide a failed start behind eval's own status.)
  ro_env=$(scripts/real-openstack.sh start)
  [[ $ro_env =~ ^export\ RO_KEYSTONE_URL=[^[:space:]]+\ RO_GLANCE_URL=[^[:space:]]+$ ]] ||
    { echo "real-openstack.sh start printed more than its URLs: $ro_env" >&2; exit 1; }
  eval "$ro_env"
fi
exec node --import tsx --test --test-concurrency=1 --test-timeout=300000 test/contract/*.test.ts
