#!/usr/bin/env bash
# The test command of the README: installs what the tests need when it is missing (Debian), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v influxd >/dev/null || need+=(influxdb influxdb-client)
command -v xz >/dev/null || need+=(xz-utils)
# npm: the compose file validation (dclint) and the Arrow frame decoder of the plugin tests.
command -v npm >/dev/null || need+=(nodejs npm)
if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "test.sh: missing ${need[*]}: install them (Debian: apt-get install -y ${need[*]}) and run again" >&2
    exit 1
  fi
  echo "test.sh: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Observability.sln -c Release "$@"
