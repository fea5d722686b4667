# keystone_token KEYSTONE_V3_URL USER PASSWORD PROJECT: print a project-scoped token (domain Default),
# the way any client gets one: POST /v3/auth/tokens and read X-Subject-Token.
keystone_token() {
  curl -sf -D - -o /dev/null -H 'Content-Type: application/json' "$1/auth/tokens" -d "{
    \"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \"$2\", \"password\": \"$3\", \"domain\": {\"name\": \"Default\"}}}},
               \"scope\": {\"project\": {\"name\": \"$4\", \"domain\": {\"name\": \"Default\"}}}}}" |
    awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r'
}

# app_cred_token KEYSTONE_V3_URL USER NAME SECRET: a token from an application credential of USER (domain
# Default), by credential name and secret.
app_cred_token() {
  curl -sf -D - -o /dev/null -H 'Content-Type: application/json' "$1/auth/tokens" -d "{
    \"auth\": {\"identity\": {\"methods\": [\"application_credential\"], \"application_credential\": {
      \"name\": \"$3\", \"secret\": \"$4\", \"user\": {\"name\": \"$2\", \"domain\": {\"name\": \"Default\"}}}}}}" |
    awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r'
}
