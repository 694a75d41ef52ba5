#!/usr/bin/env bash
# The test command of the README: installs what the tests need when it is missing (Debian), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v influxd >/dev/null || need+=(influxdb influxdb-client)
command -v xz >/dev/null || need+=(xz-utils)
# Plugin tests: the Grafana-like go-plugin host (GOPATH mode, Debian's Go packages), the apache-arrow decoder
# (Node.js), and Native AOT packaging of the plugin (a C toolchain and zlib headers).
command -v go >/dev/null || need+=(golang-go)
command -v protoc >/dev/null || need+=(protobuf-compiler)
command -v protoc-gen-go >/dev/null || need+=(protoc-gen-go)
command -v protoc-gen-go-grpc >/dev/null || need+=(protoc-gen-go-grpc)
[ -d /usr/share/gocode/src/github.com/hashicorp/go-plugin ] || need+=(golang-github-hashicorp-go-plugin-dev)
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || need+=(golang-google-grpc-dev)
[ -d /usr/share/gocode/src/google.golang.org/protobuf ] || need+=(golang-google-protobuf-dev)
# npm also validates the compose file (dclint).
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
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
# The apache-arrow decoder of the plugin tests, from its lock file.
[ -d tests/arrow-check/node_modules/apache-arrow ] || npm ci --no-audit --no-fund --prefix tests/arrow-check >&2

# The plugin tests and the dashboard tests run the same packaged plugin (a Native AOT publish takes minutes):
# package it once for both. Set MAILFLOW_TEST_PLUGIN_DIR to reuse a folder packaged earlier.
if [ -z "${MAILFLOW_TEST_PLUGIN_DIR:-}" ]; then
  plugin_out="$(mktemp -d)"
  trap 'rm -rf "$plugin_out"' EXIT
  grafana-backend/build-plugin.sh "$plugin_out"
  export MAILFLOW_TEST_PLUGIN_DIR="$plugin_out/mailflow-tls-datasource"
fi

dotnet test Observability.sln -c Release "$@"
