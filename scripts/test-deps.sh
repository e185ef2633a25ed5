#!/usr/bin/env bash
# Makes sure what the test suite needs is on this machine (run by `npm test` before the tests).
# As root on Debian it installs what is missing: PostgreSQL (started, trust auth on loopback) and the
# client programs of the end-to-end tests. Otherwise it says what is missing; the tests then fail
# loudly rather than skip.
set -euo pipefail

PG_URL=${BERTH_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need skopeo skopeo
need buildah buildah
need podman podman
need umoci umoci
need docker-registry docker-registry
need containerd containerd
need zstd zstd
need db_load db-util
need pg_isready postgresql-client
need psql postgresql-client

pg_answers() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -d "$PG_URL"; }

is_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ((${#packages[@]})); then
  if is_root; then
    echo "test-deps: installing ${packages[*]}"
    apt_install "${packages[@]}"
  else
    echo "test-deps: missing ${packages[*]} (run this script as root to install them)" >&2
  fi
fi

if ! pg_answers; then
  if is_root; then
    if ! ls /etc/postgresql/*/main/pg_hba.conf >/dev/null 2>&1; then
      echo "test-deps: installing PostgreSQL"
      apt_install postgresql
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    # Trust on loopback only, for the throwaway test server.
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    echo "test-deps: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    db=${PG_URL##*/}
    psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = '$db'" postgres | grep -q 1 ||
      psql -h 127.0.0.1 -U postgres -c "create database \"$db\"" postgres >/dev/null
  fi
  pg_answers || { echo "test-deps: PostgreSQL at $PG_URL does not answer" >&2; exit 1; }
fi
echo "test-deps: ready (PostgreSQL at ${PG_URL%%@*}@…, clients: skopeo buildah podman umoci docker-registry containerd zstd)"
