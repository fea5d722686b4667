# keystone_token KEYSTONE_V3_URL USER PASSWORD PROJECT: print a project-scoped token (domain Default),
# the way any client gets one: POST /v3/auth/tokens and read X-Subject-Token.
keystone_token() {
  curl -sf -D - -o /dev/null -H 'Content-Type: application/json' "$1/auth/tokens" -d "{
    \"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \"$2\", \"password\": \"$3\", \"domain\": {\"name\": \"Default\"}}}},
               \"scope\": {\"project\": {\"name\": \"$4\", \"domain\": {\"name\": \"Default\"}}}}}" |
    awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r'
}
