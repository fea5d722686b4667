# shellcheck shell=bash
# apt_install PACKAGE...: install Debian packages (as root), quietly and without recommends. Their maintainer
# scripts may not start services (memcached, PostgreSQL): this project's scripts and tests start what they
# need themselves, on their own ports. The policy file that says so is removed again if it was not there.
apt_install() {
  command -v apt-get >/dev/null || {
    echo "apt_install: needs Debian's apt-get to install: $*" >&2
    return 1
  }
  local policy=/usr/sbin/policy-rc.d added=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added=1
  fi
  echo "apt-get install $*" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } ||
    rc=$?
  [ "$added" = 0 ] || rm -f "$policy"
  return "$rc"
}
