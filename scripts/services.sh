#!/usr/bin/env bash
# Start the database servers the tests talk to, if this machine has them stopped.
# Tests never skip a missing backend: when a server cannot be reached they fail.
set -u
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
fi
if ! mariadb-admin -uroot -h127.0.0.1 ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd 2>/dev/null || true
  for _ in $(seq 1 30); do mariadb-admin -uroot -h127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi
exit 0
