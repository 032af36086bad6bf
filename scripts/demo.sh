#!/usr/bin/env bash
# The main job: a local Kafka, every service, and a demonstration of the flow. Stops by itself, unless held
# (in a terminal, or --hold): then the case room serves on 127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/sykmeldingsflyt demo "$@"
