#!/usr/bin/env bash
# Validates docker-compose.yml (or the file given) without a Docker engine: dclint checks it against the Compose Specification JSON
# schema (unknown keys, wrong types, bad depends_on conditions...) and enforces pinned image tags, quoted ports and
# explicit host interfaces. The cross-file checks (provisioning paths, .env.example, Dockerfile pins) are xunit
# tests in tests/MailFlow.Backend.Tests/Dashboards. Needs Node.js and npm (the npm registry).
set -euo pipefail
cd "$(dirname "$0")/../tests/compose-lint"
if ! command -v npm >/dev/null; then
  echo "validate-compose.sh: npm is missing (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
[ -d node_modules/dclint ] || npm ci --no-audit --no-fund --silent
file="${1:-../../docker-compose.yml}"
npx --no-install dclint -c dclint.json "$file"
echo "$(basename "$file"): valid (Compose Specification schema and lint rules)"
