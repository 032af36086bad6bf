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
