#!/usr/bin/env bash
# The whole test suite: lint, types, unit, component, integration and end-to-end tests
# against a real Apache Kafka and real SQLite and PostgreSQL databases.
set -euo pipefail
NEED_POSTGRES=1 source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
.venv/bin/ruff check src tests bench examples
.venv/bin/ruff format --check src tests bench examples
.venv/bin/mypy
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
