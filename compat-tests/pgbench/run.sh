#!/bin/sh
# pgbench against DATABASE_URL: initialisation (COPY, ALTER TABLE ADD
# PRIMARY KEY, VACUUM), then a fixed number of select-only and TPC-B-like
# transactions in each protocol mode. Prints only what must be the same on
# every server: that each step succeeded, the transactions counted, and
# that the books balance afterwards (pgbench's own bookkeeping).
set -u
url="$DATABASE_URL"
check() { printf '["%s", %s]\n' "$1" "$2"; }
if out=$(pgbench -i -s 1 -q "$url" 2>&1); then check init '"ok"'; else check init "$(printf '%s' "$out" | grep -m1 -i 'error' | sed 's/"/\\"/g; s/^/"/; s/$/"/')"; fi
for mode in simple extended prepared; do
  for kind in select-only tpcb; do
    flag=""; [ "$kind" = select-only ] && flag="-S"
    out=$(pgbench $flag -M "$mode" -c 2 -j 2 -t 25 "$url" 2>&1)
    processed=$(printf '%s\n' "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
    failed=$(printf '%s\n' "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
    check "$kind.$mode" "[\"${processed:-none}\", \"${failed:-none}\"]"
  done
done
# Over TLS (sslmode=require in the URL).
out=$(pgbench -S -t 10 "$DATABASE_URL_TLS" 2>&1)
check tls "\"$(printf '%s\n' "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')\""
balanced=$(psql -X -A -t "$url" -c "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(bbalance) FROM pgbench_branches) AND (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(tbalance) FROM pgbench_tellers)" 2>&1)
check books_balance "\"$balanced\""
