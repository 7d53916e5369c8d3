#!/usr/bin/env bash
# The one command that runs dangjian's whole test suite on a fresh Debian
# machine: installs what the tests need (Chromium, ChromeDriver, CJK fonts,
# PostgreSQL), makes sure PostgreSQL runs, then fmt, clippy and cargo test.
# CI runs it through .ci/run (CI=true, no stdin, as root).
set -euo pipefail

cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive

# Run a command as root: directly when root, else through sudo (non-interactive).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n env DEBIAN_FRONTEND=noninteractive "$@" \
            || die "'sudo $*' failed (needs root or password-less sudo)"
    else
        die "need root to run '$*': run as root or install sudo"
    fi
}

apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then
        as_root apt-get update -q
        apt_updated=1
    fi
    as_root apt-get install -y -q --no-install-recommends "$@"
}

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# --- 1. Debian packages ------------------------------------------------------
section "system packages"
command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system (dpkg-query missing)"
missing=()
for pkg in chromium chromium-driver fonts-noto-cjk; do
    pkg_installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt_install "${missing[@]}"
else
    echo "chromium, chromium-driver, fonts-noto-cjk: present"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
[ -x /usr/bin/chromedriver ] || die "/usr/bin/chromedriver missing after install"

# --- 2. PostgreSQL -----------------------------------------------------------
section "postgresql"
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
if command -v pg_isready >/dev/null 2>&1 && pg_ready; then
    echo "running on 127.0.0.1:5432"
else
    if ! command -v pg_ctlcluster >/dev/null 2>&1 \
        || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        echo "installing postgresql"
        apt_install postgresql
    fi
    pg_version="$(ls /etc/postgresql | sort -V | tail -1)"
    [ -n "$pg_version" ] || die "no PostgreSQL cluster under /etc/postgresql"
    echo "starting cluster $pg_version/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start || true
    for _ in $(seq 1 60); do
        pg_ready && break
        sleep 0.5
    done
    if ! pg_ready; then
        tail -n 20 "/var/log/postgresql/postgresql-$pg_version-main.log" >&2 2>/dev/null || true
        die "PostgreSQL did not become ready on 127.0.0.1:5432 within 30 s"
    fi
    echo "running on 127.0.0.1:5432"
fi

# --- 3. Test environment -----------------------------------------------------
export DANGJIAN_TEST_PG="${DANGJIAN_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
export DANGJIAN_CHROMEDRIVER="${DANGJIAN_CHROMEDRIVER:-/usr/bin/chromedriver}"
export DANGJIAN_CHROMIUM="${DANGJIAN_CHROMIUM:-/usr/bin/chromium}"
echo "DANGJIAN_TEST_PG=$DANGJIAN_TEST_PG"

# --- 4. Checks and tests -----------------------------------------------------
section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

section "cargo test"
cargo test --workspace
