#!/usr/bin/env bash
# Packages the Grafana plugin: grafana-backend/build-plugin.sh <out-dir>
# writes <out-dir>/mailflow-tls-datasource/ (plugin.json, module.js, img/, gpx_mailflow_linux_amd64), ready to copy
# into Grafana's plugin directory (allow it with GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=mailflow-tls-datasource).
#
# The executable is self-contained. MAILFLOW_PLUGIN_BUILD chooses how:
#   aot        (default) Native AOT: ~20 MB, handshake in ~0.1 s; needs a C toolchain (gcc or clang) and zlib headers
#   singlefile self-contained single file with ReadyToRun: ~100 MB, slower start; no C toolchain needed
# "aot" falls back to "singlefile" when no C compiler is found.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-plugin.sh <out-dir>}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
dest="$out/mailflow-tls-datasource"
mode="${MAILFLOW_PLUGIN_BUILD:-aot}"
if [ "$mode" = aot ] && ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "build-plugin.sh: no C compiler for Native AOT; building a single-file executable instead" >&2
  mode=singlefile
fi

publish="$(mktemp -d)"
trap 'rm -rf "$publish"' EXIT
common=(-c Release -r linux-x64 --self-contained -o "$publish" -nologo -v:q -p:DebugType=none)
case "$mode" in
  aot)
    dotnet publish "$here/MailFlow.Backend/MailFlow.Backend.csproj" "${common[@]}" -p:PublishAot=true -p:StripSymbols=true >&2
    ;;
  singlefile)
    dotnet publish "$here/MailFlow.Backend/MailFlow.Backend.csproj" "${common[@]}" -p:PublishSingleFile=true \
      -p:PublishReadyToRun=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=false >&2
    ;;
  *)
    echo "build-plugin.sh: MAILFLOW_PLUGIN_BUILD must be aot or singlefile, not '$mode'" >&2
    exit 2
    ;;
esac

rm -rf "$dest"
mkdir -p "$dest/img"
cp "$here/plugin/plugin.json" "$here/plugin/module.js" "$here/plugin/README.md" "$dest/"
cp "$here/plugin/img/"* "$dest/img/"
cp "$publish/mailflow-backend" "$dest/gpx_mailflow_linux_amd64"
chmod 755 "$dest/gpx_mailflow_linux_amd64"
echo "build-plugin.sh: wrote $dest ($mode, $(du -h "$dest/gpx_mailflow_linux_amd64" | cut -f1))" >&2
