# Sourced by scripts/serve and scripts/test: a virtualenv in .venv with this project installed.
# shellcheck shell=bash

apt_install() {
    # Install Debian packages that are missing (as root, or through sudo).
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    # $1: pip extras, e.g. "[test]" (may be empty). pip runs only when pyproject.toml (or the checkout's
    # place, or the extras) changed since the last install: .venv/.kk-installed keeps one stamp per extras.
    local stamp=.venv/.kk-installed key
    key="$(cat pyproject.toml <(pwd) | sha256sum | cut -c1-64) ${1:-[]}"
    if [ -x .venv/bin/python ] && [ -f "$stamp" ] && grep -qxF "$key" "$stamp"; then
        return 0
    fi
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv 2>/dev/null || { apt_install python3-venv && python3 -m venv .venv; }
    fi
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${1:-}"
    # Stamps of an older pyproject.toml go; those of other extras with the same one stay.
    { grep -F "${key%% *} " "$stamp" 2>/dev/null || true; echo "$key"; } | sort -u >"$stamp.new"
    mv "$stamp.new" "$stamp"
}

ensure_node_modules() {
    # axe-core for the accessibility checks in tests/browser, pinned in package-lock.json. Installs again
    # when node_modules is missing or the lock file changed since the last install.
    command -v npm >/dev/null || apt_install nodejs npm
    local stamp=node_modules/.package-lock.sha256
    local want
    want=$(sha256sum package-lock.json | cut -d" " -f1)
    if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        npm ci --no-audit --no-fund
        echo "$want" >"$stamp"
    fi
}
