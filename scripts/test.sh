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
# npm also builds and tests the plugin's browser side and validates the compose file (dclint).
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
# The package holds an amd64 and an arm64 executable: Native AOT for the other architecture needs its cross gcc and
# C library, and on amd64 the arm64 executable is tested under qemu-user (without its recommended binfmt
# registration, which would change how the whole machine runs foreign executables).
bare=()
case "$(uname -m)" in
  x86_64)
    command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
    [ -e /usr/aarch64-linux-gnu/lib/crt1.o ] || need+=(libc6-dev-arm64-cross)
    command -v qemu-aarch64 >/dev/null || bare+=(qemu-user)
    ;;
  aarch64)
    command -v x86_64-linux-gnu-gcc >/dev/null || need+=(gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu)
    [ -e /usr/x86_64-linux-gnu/lib/crt1.o ] || need+=(libc6-dev-amd64-cross)
    ;;
esac
if ((${#need[@]} + ${#bare[@]})); then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "test.sh: missing ${need[*]} ${bare[*]}: install them (Debian: apt-get install -y ${need[*]} ${bare[*]}) and run again" >&2
    exit 1
  fi
  echo "test.sh: installing ${need[*]} ${bare[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  if ((${#need[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if ((${#bare[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${bare[@]}" >/dev/null
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The apache-arrow decoder of the plugin tests, from its lock file.
[ -d tests/arrow-check/node_modules/apache-arrow ] || npm ci --no-audit --no-fund --prefix tests/arrow-check >&2

# The plugin's browser side (grafana-backend/plugin, TypeScript): its type check, its jest tests (Testing Library, the
# real @grafana packages, the built AMD module) and the build of dist/module.js that the package below takes.
plugin_web=grafana-backend/plugin
if [ ! -f "$plugin_web/node_modules/.package-lock.json" ] || [ "$plugin_web/package-lock.json" -nt "$plugin_web/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$plugin_web" --no-audit --no-fund --loglevel=error >&2
fi
npm run --prefix "$plugin_web" --silent typecheck
npm run --prefix "$plugin_web" --silent build -- --no-stats
npm test --prefix "$plugin_web" --silent -- --ci

# The plugin tests and the dashboard tests run the same packaged plugin (two Native AOT publishes, amd64 and arm64,
# take minutes): package it once for both. Set MAILFLOW_TEST_PLUGIN_DIR to reuse a folder packaged earlier.
if [ -z "${MAILFLOW_TEST_PLUGIN_DIR:-}" ]; then
  plugin_out="$(mktemp -d)"
  trap 'rm -rf "$plugin_out"' EXIT
  MAILFLOW_PLUGIN_FRONTEND="$PWD/$plugin_web/dist" grafana-backend/build-plugin.sh "$plugin_out"
  export MAILFLOW_TEST_PLUGIN_DIR="$plugin_out/mailflow-tls-datasource"
fi

dotnet test Observability.sln -c Release "$@"
