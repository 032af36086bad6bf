#!/usr/bin/env bash
# The main job: a local Kafka, every service, and a demonstration of the flow. Stops by itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/sykmeldingsflyt demo "$@"
