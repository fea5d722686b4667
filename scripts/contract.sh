#!/usr/bin/env bash
# npm run test:contract: the contract tests against the real Keystone and Glance in one command (as root):
# installs and starts them with ../shared/openstack/real-openstack when needed, then runs test/contract.
set -euo pipefail
cd "$(dirname "$0")/.."
RO=${REAL_OPENSTACK:-../shared/openstack/real-openstack}
if [ -z "${RO_KEYSTONE_URL:-}" ] || [ -z "${RO_GLANCE_URL:-}" ]; then
  ro_env=$("$RO" start | grep '^export ')
  RO_KEYSTONE_URL=$(bash -c "$ro_env; printf %s \"\$RO_KEYSTONE_URL\"")
  RO_GLANCE_URL=$(bash -c "$ro_env; printf %s \"\$RO_GLANCE_URL\"")
  export RO_KEYSTONE_URL RO_GLANCE_URL
fi
exec node --import tsx --test --test-concurrency=1 --test-timeout=300000 test/contract/*.test.ts
