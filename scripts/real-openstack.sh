#!/usr/bin/env bash
# The real OpenStack Keystone and Glance (Debian 12's packages) on loopback, for the contract tests
# (test/contract): `npm run test:contract`, .ci/run and the GitHub workflow start them with this script.
# As root, on Debian (apt-get, PostgreSQL's cluster tools, `su postgres`).
#
#   scripts/real-openstack.sh install   apt-get what is missing (about 3 minutes on a fresh machine)
#   scripts/real-openstack.sh start     install, start PostgreSQL, Keystone and Glance, and print on stdout
#                                       the only line the tests need: export RO_KEYSTONE_URL=… RO_GLANCE_URL=…
#                                       (so: ro_env=$(scripts/real-openstack.sh start) && eval "$ro_env")
#   scripts/real-openstack.sh env       print the admin's OS_* environment for the openstack CLI, and the URLs
#   scripts/real-openstack.sh stop      stop Keystone and Glance, and PostgreSQL if `start` started it
#   scripts/real-openstack.sh reset     stop, drop the databases and remove RO_DIR: the next start bootstraps
#
# Settings (environment): RO_DIR (/tmp/real-openstack; the contract tests read RO_DIR/ks/gunicorn.pid to
# freeze Keystone), RO_KEYSTONE_PORT (35357), RO_GLANCE_PORT (9292), RO_DB_PREFIX (ro).
# What start makes, once per RO_DIR (marker files skip it on the next start):
# - Keystone with Fernet tokens (3600 s), bootstrapped with admin/adminpw in project admin, domain Default,
#   region RegionOne; the identity endpoint is http://127.0.0.1:$RO_KEYSTONE_PORT/v3.
# - Glance (file store under RO_DIR) behind keystonemiddleware with delay_auth_decision, as Debian ships it;
#   its service user glance/glancepw has roles admin and service in project service; the image service is
#   in the catalog at http://127.0.0.1:$RO_GLANCE_PORT (public, internal, admin).
# Both run under gunicorn with 2 workers of 4 threads. These passwords are for a throwaway loopback setup
# only; the contract tests log in as admin/adminpw. Logs: RO_DIR/ks/*.log, RO_DIR/gl/*.log.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "$0")/lib/apt.sh"

D=${RO_DIR:-/tmp/real-openstack}
KP=${RO_KEYSTONE_PORT:-35357}
GP=${RO_GLANCE_PORT:-9292}
DB=${RO_DB_PREFIX:-ro}
PY=/usr/bin/python3
KS=http://127.0.0.1:$KP/v3
GL=http://127.0.0.1:$GP

die() {
  echo "real-openstack: $*" >&2
  exit 1
}
log() { echo "real-openstack: $*" >&2; }

# The ports and prefix end up in URLs, SQL and `eval`ed output: digits and plain names only.
[[ $KP =~ ^[0-9]+$ && $GP =~ ^[0-9]+$ ]] || die "RO_KEYSTONE_PORT and RO_GLANCE_PORT must be port numbers"
[[ $DB =~ ^[a-z][a-z0-9_]*$ ]] || die "RO_DB_PREFIX must be lower-case letters, digits and _"

urls() { echo "export RO_KEYSTONE_URL=$KS RO_GLANCE_URL=$GL"; }

admin_env() {
  echo "export OS_AUTH_URL=$KS OS_USERNAME=admin OS_PASSWORD=adminpw OS_PROJECT_NAME=admin" \
    "OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3" \
    "OS_INTERFACE=public OS_REGION_NAME=RegionOne RO_KEYSTONE_URL=$KS RO_GLANCE_URL=$GL"
}

# ---- install ----------------------------------------------------------------------------------------------

install() {
  local need=()
  $PY -c 'import keystone, glance, keystonemiddleware, glanceclient, psycopg2' 2>/dev/null ||
    need+=(python3-keystone python3-glance python3-keystonemiddleware python3-glanceclient python3-psycopg2)
  command -v openstack >/dev/null || need+=(python3-openstackclient)
  command -v gunicorn >/dev/null || need+=(gunicorn)
  if ! command -v pg_ctlcluster >/dev/null || ! compgen -G '/etc/postgresql/*/main' >/dev/null; then need+=(postgresql); fi
  command -v curl >/dev/null || need+=(curl ca-certificates)
  command -v ps >/dev/null || need+=(procps) # the contract tests list gunicorn's workers with ps
  [ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
}

# ---- helpers ----------------------------------------------------------------------------------------------

# Polls until `$@` succeeds, for at most $1 seconds (a deadline in time: a fast refusal uses up no tries).
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

psql_as_postgres() { su postgres -c "psql -qAtc \"$1\""; }

# UTF-8 whatever locale the cluster was created with (a container without LANG gets SQL_ASCII otherwise).
fresh_db() {
  su postgres -c "dropdb --if-exists ${DB}_$1 && createdb -O ro_os -E UTF8 -l C.UTF-8 -T template0 ${DB}_$1"
}

# The installed cluster's version (Debian 12: 15), from its configuration directory /etc/postgresql/V/main.
pg_version() {
  local mains=(/etc/postgresql/*/main)
  basename "$(dirname "${mains[0]}")"
}

start_postgres() {
  local v
  v=$(pg_version)
  if ! pg_ctlcluster "$v" main status >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$v" main start
    touch "$D/postgres-started"
  fi
  wait_for 60 psql_as_postgres 'select 1' || die "PostgreSQL $v did not start"
  [ "$(psql_as_postgres "select 1 from pg_roles where rolname = 'ro_os'")" = 1 ] ||
    psql_as_postgres "create role ro_os login password 'ro_ospw'" >/dev/null
}

# gunicorn, daemonised, in its own session (so that stopping it never signals the caller's process group).
gunicorn_daemon() {
  local dir=$1 port=$2
  setsid gunicorn --chdir "$dir" -w 2 --threads 4 -b "127.0.0.1:$port" --pid "$dir/gunicorn.pid" --daemon \
    --log-file "$dir/gunicorn.log" wsgi:application
}

# A WSGI module that hides gunicorn's own arguments from oslo.config, which would parse them as its own.
wsgi_module() { printf 'import sys\nsys.argv = sys.argv[:1]\nfrom %s import %s\napplication = %s()\n' "$1" "$2" "$2"; }

started_or_die() {
  local what=$1 url=$2 logfile=$3
  wait_for 90 curl -s -o /dev/null "$url" && return 0 # any HTTP answer: it is serving
  tail -n 30 "$logfile" >&2 || true
  die "$what did not answer on $url within 90 s; see $logfile"
}

# ---- Keystone ---------------------------------------------------------------------------------------------

keystone_conf() {
  cat <<CONF
[DEFAULT]
log_file = $D/ks/keystone.log
[database]
connection = postgresql://ro_os:ro_ospw@127.0.0.1/${DB}_keystone
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $D/ks/fernet-keys
[fernet_receipts]
key_repository = $D/ks/fernet-keys
[credential]
key_repository = $D/ks/credential-keys
CONF
}

# Chained with &&: it runs as the left side of `||`, where bash ignores set -e.
bootstrap_keystone() {
  local km=(keystone-manage --config-file "$D/ks/keystone.conf")
  fresh_db keystone &&
    "${km[@]}" db_sync &&
    "${km[@]}" fernet_setup --keystone-user root --keystone-group root &&
    "${km[@]}" credential_setup --keystone-user root --keystone-group root &&
    "${km[@]}" bootstrap --bootstrap-password adminpw --bootstrap-region-id RegionOne \
      --bootstrap-admin-url "$KS/" --bootstrap-internal-url "$KS/" --bootstrap-public-url "$KS/"
}

start_keystone() {
  mkdir -p "$D/ks"
  keystone_conf >"$D/ks/keystone.conf"
  if [ ! -f "$D/ks/bootstrapped" ]; then
    log "bootstrapping Keystone (log: $D/ks/manage.log)"
    bootstrap_keystone >"$D/ks/manage.log" 2>&1 || { tail -n 30 "$D/ks/manage.log" >&2; die "Keystone bootstrap failed"; }
    touch "$D/ks/bootstrapped"
  fi
  wsgi_module keystone.server.wsgi initialize_public_application >"$D/ks/wsgi.py"
  OS_KEYSTONE_CONFIG_FILES=$D/ks/keystone.conf gunicorn_daemon "$D/ks" "$KP"
  started_or_die Keystone "$KS" "$D/ks/gunicorn.log"
}

# ---- Glance -----------------------------------------------------------------------------------------------

# Glance's service user, roles and catalog entry, with the openstack CLI as the admin. Chained with && (as
# bootstrap_keystone); run in a subshell so that the admin's environment stays in it.
register_glance() {
  eval "$(admin_env)" &&
    { openstack project show service || openstack project create --domain default service; } &&
    openstack user create --domain default --password glancepw glance &&
    openstack role add --project service --user glance admin &&
    { openstack role show service || openstack role create service; } &&
    openstack role add --project service --user glance service &&
    openstack service create --name glance image &&
    openstack endpoint create --region RegionOne image public "$GL" &&
    openstack endpoint create --region RegionOne image internal "$GL" &&
    openstack endpoint create --region RegionOne image admin "$GL"
}

# Debian's pipeline for flavor keystone, with keystonemiddleware deciding late (as Glance is deployed).
glance_paste() {
  cat <<'INI'
[pipeline:glance-api-keystone]
pipeline = healthcheck versionnegotiation gzip authtoken context rootapp
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = /nonexistent
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory
[filter:gzip]
paste.filter_factory = glance.api.middleware.gzip:GzipMiddleware.factory
[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
INI
}

glance_conf() {
  cat <<CONF
[DEFAULT]
log_file = $D/gl/glance.log
enabled_backends = fs:file
[database]
connection = postgresql://ro_os:ro_ospw@127.0.0.1/${DB}_glance
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $D/gl/images
[os_glance_staging_store]
filesystem_store_datadir = $D/gl/staging
[os_glance_tasks_store]
filesystem_store_datadir = $D/gl/tasks
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = glancepw
service_token_roles_required = true
[paste_deploy]
flavor = keystone
CONF
}

start_glance() {
  mkdir -p "$D/gl/images" "$D/gl/staging" "$D/gl/tasks"
  if [ ! -f "$D/gl/registered" ]; then
    log "registering Glance in Keystone (log: $D/gl/register.log)"
    (register_glance) >"$D/gl/register.log" 2>&1 || { tail -n 30 "$D/gl/register.log" >&2; die "registering Glance failed"; }
    touch "$D/gl/registered"
  fi
  glance_paste >"$D/gl/glance-api-paste.ini"
  glance_conf >"$D/gl/glance-api.conf"
  if [ ! -f "$D/gl/synced" ]; then
    log "creating Glance's database (log: $D/gl/manage.log)"
    # glance-manage is in the glance-common package; its module is in python3-glance.
    { fresh_db glance && $PY -c "import sys; sys.argv = ['glance-manage', '--config-dir', sys.argv[1], 'db_sync']
from glance.cmd.manage import main; main()" "$D/gl"; } >"$D/gl/manage.log" 2>&1 ||
      { tail -n 30 "$D/gl/manage.log" >&2; die "Glance db_sync failed"; }
    touch "$D/gl/synced"
  fi
  wsgi_module glance.common.wsgi_app init_app >"$D/gl/wsgi.py"
  OS_GLANCE_CONFIG_DIR=$D/gl gunicorn_daemon "$D/gl" "$GP"
  started_or_die Glance "$GL/versions" "$D/gl/gunicorn.log"
}

# ---- warm-up ----------------------------------------------------------------------------------------------

admin_token() {
  curl -sf -o /dev/null -D - -H 'Content-Type: application/json' "$KS/auth/tokens" -d '{"auth":{"identity":{"methods":["password"],
    "password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"adminpw"}}},
    "scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}' |
    awk 'tolower($1) == "x-subject-token:" { print $2 }' | tr -d '\r'
}

# One round of 8 concurrent policy-checked calls to each server; true when every one answered 200.
policy_round() {
  local token=$1 dir i ok=0
  dir=$(mktemp -d)
  for i in 1 2 3 4 5 6 7 8; do
    curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $token" "$KS/projects" >"$dir/k$i" &
    curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $token" "$GL/v2/images?limit=1" >"$dir/g$i" &
  done
  wait
  [ "$(cat "$dir"/* | tr -d '\n')" = "$(printf '200%.0s' {1..16})" ] && ok=1
  rm -rf "$dir"
  [ $ok = 1 ]
}

# A fresh gunicorn worker loads its policy on the first request, and concurrent first requests can race it:
# Keystone then refused the admin's own GET /v3/projects with 403 (seen when the contract suites' fixtures
# started together). Concurrent calls until both servers answer a whole round with 200, before any test.
warm_up() {
  local token round
  token=$(admin_token) || true
  [ -n "$token" ] || die "no admin token from $KS"
  for round in 1 2 3 4 5 6 7 8 9 10; do
    policy_round "$token" && return 0
    log "warm-up round $round: not every call answered 200 yet"
  done
  die "Keystone and Glance still refuse the admin after 10 warm-up rounds; see $D/ks/keystone.log"
}

# ---- start, stop ------------------------------------------------------------------------------------------

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Everything but the URLs goes to stderr: the caller evals stdout, and the tools print to it (pg_ctlcluster's
# "Removed stale pid file" broke CI's eval once).
start() {
  {
    install
    mkdir -p "$D"
    start_postgres
    if running "$D/ks/gunicorn.pid" && running "$D/gl/gunicorn.pid"; then
      log "already running"
    else
      stop_servers
      start_keystone
      start_glance
      warm_up
    fi
  } >&2
  urls
}

# INT to both gunicorn masters at once (their quick shutdown, about 3 s; nothing here needs a graceful one),
# then wait until they have gone, workers with them, so that the ports are free on return.
stop_servers() {
  local f pid pids=()
  for f in "$D/gl/gunicorn.pid" "$D/ks/gunicorn.pid"; do
    if running "$f"; then
      pid=$(cat "$f")
      kill -INT "$pid"
      pids+=("$pid")
    fi
    rm -f "$f"
  done
  for pid in "${pids[@]}"; do
    wait_for 30 bash -c "! kill -0 $pid" && continue
    log "pid $pid still running 30 s after INT: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
}

stop() {
  stop_servers
  if [ -f "$D/postgres-started" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main stop || true
    rm -f "$D/postgres-started"
  fi
}

reset() {
  stop_servers
  if command -v pg_ctlcluster >/dev/null && compgen -G '/etc/postgresql/*/main' >/dev/null; then
    mkdir -p "$D"
    start_postgres # (stopped again below if it was not running)
    su postgres -c "dropdb --if-exists ${DB}_keystone && dropdb --if-exists ${DB}_glance"
  fi
  stop
  rm -rf "$D"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  env) admin_env ;;
  stop) stop ;;
  reset) reset ;;
  *)
    sed -n '2,23p' "$0" >&2
    exit 2
    ;;
esac
