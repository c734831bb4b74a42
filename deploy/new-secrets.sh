#!/bin/sh
# Prints fresh secrets for docker-compose.yml, one NAME=value per line: run it once, into .env
# (which Compose reads from the project directory and git ignores):
#   deploy/new-secrets.sh > .env
# Each value is 32 random bytes as 64 hex digits, which suits every one of them (the admin API's
# key included) without quoting.
set -eu
for name in POSTGRES_PASSWORD ONCEFLOW_INTAKE_DB_PASSWORD ONCEFLOW_RELAY_DB_PASSWORD \
    ONCEFLOW_WORKER_DB_PASSWORD ONCEFLOW_OPS_DB_PASSWORD ONCEFLOW_WEBHOOKS_DB_PASSWORD ONCEFLOW_ADMIN_API_KEY GRAFANA_ADMIN_PASSWORD; do
  printf '%s=%s\n' "$name" "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
done
