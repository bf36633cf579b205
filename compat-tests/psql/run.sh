#!/bin/sh
# Runs a psql script against DATABASE_URL (psql reads the password from
# PGPASSWORD); prints its output, errors included, for the compat matrix.
set -e
psql -X -q "$DATABASE_URL" -v ON_ERROR_STOP=0 -f "$1" 2>&1 | sed -e 's/^psql:[^:]*:[0-9]*: //'
psql -X -A -t "$DATABASE_URL_TLS" -c "SELECT 'tls connection works'" | sed -e 's/^/## connect_tls\n/'
