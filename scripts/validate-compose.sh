#!/usr/bin/env bash
# Validates docker-compose.yml and the Dockerfiles of deploy/ without a Docker engine:
#   scripts/validate-compose.sh [compose-file [Dockerfile...]]
# dclint checks the compose file against the Compose Specification JSON schema (unknown keys, wrong types, bad
# depends_on conditions...) and enforces pinned image tags, quoted ports and explicit host interfaces;
# dockerfile-utils checks the Dockerfiles' instructions and arguments. The cross-file checks (provisioning paths,
# .env.example, Dockerfile pins) are xunit tests in tests/MailFlow.Backend.Tests/Dashboards. Needs Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/../tests/compose-lint"
if ! command -v npm >/dev/null; then
  echo "validate-compose.sh: npm is missing (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
[ -d node_modules/dclint ] && [ -d node_modules/dockerfile-utils ] || npm ci --no-audit --no-fund --silent
file="${1:-../../docker-compose.yml}"
npx --no-install dclint -c dclint.json "$file"
echo "$(basename "$file"): valid (Compose Specification schema and lint rules)"
# The images the compose file builds: deploy/*.Dockerfile (or the Dockerfiles given after the compose file).
node validate-dockerfiles.cjs "${@:2}"
