# Sourced by scripts/serve and scripts/test: what building litegres needs
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
