#!/usr/bin/env bash
# The Debian packages that `npm test` and `npm run lint:ci` need beyond Node, installed when missing (as
# root): .ci/run and the GitHub workflow call it. In CI (CI=true) the tests of memcached and the openstack CLI
# must run rather than skip (test/helpers/process.ts), so CI installs them:
# - memcached: the shared token cache tests start their own memcached (and kill it mid-test);
# - python3-openstackclient: the real openstack CLI against the mocks;
# - ShellCheck: `npm run lint:ci` checks .ci/run and scripts/;
# - git, openssl, procps: `git check-ignore`, a self-signed CA, `ps` (on most machines, not in a bare image).
# kubectl (`kubectl kustomize` renders deploy/k8s) is not here: Debian 12's kubectl (1.20) cannot render the
# overlay. GitHub's runners bring their own; elsewhere install it from the Kubernetes project.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "$0")/lib/apt.sh"

need=()
for program_package in memcached:memcached openstack:python3-openstackclient shellcheck:shellcheck git:git \
  openssl:openssl ps:procps; do
  command -v "${program_package%%:*}" >/dev/null || need+=("${program_package#*:}")
done
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
