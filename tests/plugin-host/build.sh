#!/usr/bin/env bash
# Builds the Grafana-like plugin host: tests/plugin-host/build.sh <output-binary>
# GOPATH mode with Debian's Go packages only (golang-go, golang-github-hashicorp-go-plugin-dev,
# golang-google-grpc-dev, golang-google-protobuf-dev, protobuf-compiler, protoc-gen-go, protoc-gen-go-grpc):
# no module download. The pluginv2 Go code is generated from the repository's own proto/pluginv2/backend.proto.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: build.sh <output-binary>}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pkg="$work/src/mailflow.test/pluginhost"
mkdir -p "$pkg/pluginv2"
protoc -I "$root/proto" \
  --go_out="$pkg/pluginv2" --go_opt=paths=source_relative \
  --go_opt=Mpluginv2/backend.proto=mailflow.test/pluginhost/pluginv2 \
  --go-grpc_out="$pkg/pluginv2" --go-grpc_opt=paths=source_relative \
  --go-grpc_opt=Mpluginv2/backend.proto=mailflow.test/pluginhost/pluginv2 \
  "$root/proto/pluginv2/backend.proto"
# source_relative keeps the pluginv2/ prefix of the proto path.
mv "$pkg/pluginv2/pluginv2/"*.go "$pkg/pluginv2/" && rmdir "$pkg/pluginv2/pluginv2"
cp "$here/main.go" "$pkg/"
cd "$pkg"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOFLAGS= go build -o "$out" .
