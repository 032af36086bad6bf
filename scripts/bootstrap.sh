#!/usr/bin/env bash
# Installs what sykmeldingsflyt needs on a fresh Debian machine, then leaves a ready .venv.
# Idempotent and quick when everything is already there. Sourced by demo.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

missing_debs=()
command -v python3 >/dev/null || missing_debs+=(python3 python3-venv)
command -v java >/dev/null || missing_debs+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing_debs+=(maven)
if [ "${NEED_POSTGRES:-0}" = 1 ] && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  missing_debs+=(postgresql)
fi
if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Please install: ${missing_debs[*]} (apt-get install ${missing_debs[*]})" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing_debs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" >/dev/null
fi

PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The case room (/rom): NAV's design system CSS for the gateway to serve, axe-core for its accessibility
# test, and Debian's Chromium for its browser tests (Playwright cannot download its own browser here).
ROM_VENDOR="src/sykmeldingsflyt/gateway/rom/static/vendor"
ROM_NPM=("@navikt/ds-css@8.16.2" "axe-core@4.14.1")
rom_stamp="$ROM_VENDOR/.installed-$(echo "${ROM_NPM[*]}" | sha1sum | cut -c1-12)"
if [ ! -f "$rom_stamp" ]; then
  command -v npm >/dev/null || { echo "Please install npm (apt-get install npm)" >&2; exit 1; }
  rom_build="$(mktemp -d)"
  npm install --silent --no-audit --no-fund --prefix "$rom_build" "${ROM_NPM[@]}" >/dev/null
  rm -rf "$ROM_VENDOR" && mkdir -p "$ROM_VENDOR"
  cp "$rom_build/node_modules/@navikt/ds-css/dist/index.css" "$ROM_VENDOR/ds.css"
  cp "$rom_build/node_modules/axe-core/axe.min.js" "$ROM_VENDOR/axe.min.js"
  rm -rf "$rom_build"
  touch "$rom_stamp"
fi
if [ "${NEED_BROWSER:-1}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the case room's browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "The case room's browser tests need Debian's chromium (apt-get install chromium)" >&2
  fi
fi
