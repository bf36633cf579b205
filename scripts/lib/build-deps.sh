# Sourced by scripts/serve, scripts/test and scripts/bench: what building litegres needs
# beyond Rust. SQLite's pre-update hook (how a transaction's row changes are
# captured for replication) is compiled with bindgen, which needs libclang.

# Installs Debian packages (with sudo when not root).
apt_install() {
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

ensure_build_deps() {
  if ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q 'libclang\.so'; then
    echo "installing libclang-dev (needed to build SQLite's pre-update hook)"
    apt_install libclang-dev
  fi
}

# What the bench (and its smoke run among the tests) needs: a PostgreSQL
# server and pgbench to compare with, and a font for the chart's labels.
ensure_bench_deps() {
  if ! command -v pgbench >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "installing PostgreSQL (server and pgbench)"
    apt_install postgresql postgresql-client
  fi
  if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    echo "installing fonts-dejavu-core (the chart's labels)"
    apt_install fonts-dejavu-core
  fi
}
