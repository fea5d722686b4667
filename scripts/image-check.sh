#!/usr/bin/env bash
# The production image holds only what the service runs. Builds the Dockerfile's default target (runtime) and
# looks inside: the service's dist/ (server.js), package.json, the lock file and the production dependencies;
# no mocks, no seeds or other data files, no demo, no sources or configs of the build, no dev dependency,
# and no mock password anywhere; `npm ls --omit=dev` is satisfied. test/deploy/build.test.ts checks the
# builds themselves in seconds; this checks the image. Used by .ci/run (with container-check, the stand-in
# for Docker on this machine) and by .github/workflows/ci.yml (with docker).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TAG=${IMAGE_CHECK_TAG:-$(basename "$ROOT" | tr '[:upper:]' '[:lower:]')-runtime:image-check}
fail() { echo "image check: $*" >&2; exit 1; }

CONTAINER_CHECK=${CONTAINER_CHECK:-${SHARED:-$ROOT/../shared}/tools/container-check}
if [ -x "$CONTAINER_CHECK" ]; then
  "$CONTAINER_CHECK" build "$ROOT" --target runtime -t "$TAG"
  # As container-check runs containers: podman's healthcheck timers would need systemd.
  engine=("$CONTAINER_CHECK" podman) run_opts=(--pull=never --network host --no-healthcheck)
elif command -v docker >/dev/null 2>&1; then
  docker build --target runtime -t "$TAG" "$ROOT"
  engine=(docker) run_opts=()
else
  fail "neither container-check nor docker is available"
fi
inside() { "${engine[@]}" run --rm "${run_opts[@]}" -e NPM_CONFIG_UPDATE_NOTIFIER=false "$TAG" "$@"; }

# Every path under /app, node_modules as its top-level entries only; then what no file outside node_modules
# may contain, and which packages the lock file marks dev-only are installed. Run with the image's own node
# (no shell needed).
# shellcheck disable=SC2016 # JavaScript, not shell: nothing to expand
report=$(inside node -e '
const fs = require("node:fs");
const path = require("node:path");
const files = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = path.relative("/app", path.join(dir, e.name));
    files.push(e.isDirectory() ? rel + "/" : rel);
    if (e.isDirectory() && rel !== "node_modules") walk(path.join(dir, e.name));
  }
};
walk("/app");
for (const f of files) console.log("path " + f);
for (const f of files.filter((f) => !f.endsWith("/") && !f.startsWith("node_modules/")))
  if (/adminpw|demopw|\{service_password\}/.test(fs.readFileSync(path.join("/app", f), "utf8"))) console.log("secret " + f);
const lock = JSON.parse(fs.readFileSync("/app/package-lock.json", "utf8")).packages ?? {};
for (const [where, meta] of Object.entries(lock))
  if (meta.dev === true && where !== "" && fs.existsSync(path.join("/app", where))) console.log("dev " + where);
')
paths=$(sed -n 's/^path //p' <<<"$report")
echo "image $TAG, /app (two levels):"
grep -Ev '^node_modules/.|^[^/]+/[^/]+/.|\.map$' <<<"$paths" | sed 's/^/  /'

grep -qx 'dist/server.js' <<<"$paths" || fail "no dist/server.js: the service is not in the image"
forbidden=$(grep -E '(^|/)mocks?(/|$|[.-])|(^|/)demo(/|$|\.)|(^|/)seed\.json$|^(src|test|bench|scripts|config|deploy|dist-mocks)/|^tsconfig|^dist/.*\.json$' <<<"$paths" |
  grep -v '^node_modules/' || true)
[ -z "$forbidden" ] || fail "the production image holds what the service does not run:
$forbidden"
secrets=$(sed -n 's/^secret //p' <<<"$report")
[ -z "$secrets" ] || fail "mock passwords in the production image: $secrets"
dev=$(sed -n 's/^dev //p' <<<"$report")
[ -z "$dev" ] || fail "dev dependencies in the production image: $dev"
inside npm ls --omit=dev --all >/dev/null || fail "npm ls --omit=dev: the production dependencies are not as the lock file says"
echo "image check: ok (the service alone; production dependencies only, as locked)"
