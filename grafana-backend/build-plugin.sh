#!/usr/bin/env bash
# Packages the Grafana plugin: grafana-backend/build-plugin.sh <out-dir>
# writes <out-dir>/mailflow-tls-datasource/ (plugin.json, module.js, README.md, img/, gpx_mailflow_linux_amd64,
# gpx_mailflow_linux_arm64), ready to copy into Grafana's plugin directory (allow it with
# GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=mailflow-tls-datasource). Grafana runs gpx_mailflow_linux_<its arch>.
#
# The browser side (plugin/src, TypeScript) is built by npm into plugin/dist (webpack; needs Node.js >= 18.12 and
# npm; `npm ci` first when plugin/node_modules is missing or older than the lock file). MAILFLOW_PLUGIN_FRONTEND=<dir>
# takes an already built dist folder instead (the Docker image builds it in its own step).
#
# The executables are self-contained. MAILFLOW_PLUGIN_BUILD chooses how:
#   aot        (default) Native AOT: ~22 MB each, handshake in ~0.1 s; needs a C toolchain (gcc or clang), and for
#              the other architecture a cross gcc with its C library (Debian: gcc-aarch64-linux-gnu
#              binutils-aarch64-linux-gnu libc6-dev-arm64-cross on amd64; gcc-x86-64-linux-gnu
#              binutils-x86-64-linux-gnu libc6-dev-amd64-cross on arm64)
#   singlefile self-contained single file with ReadyToRun: ~100 MB each, slower start; no C toolchain needed
# "aot" falls back to "singlefile" for an architecture whose C compiler is missing (and says so).
# MAILFLOW_PLUGIN_ARCHS chooses the architectures (Grafana's names): "amd64 arm64" (default, what ships),
# "amd64" or "arm64" alone for a quicker build for one machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-plugin.sh <out-dir>}"
mode="${MAILFLOW_PLUGIN_BUILD:-aot}"
case "$mode" in
  aot | singlefile) ;;
  *)
    echo "build-plugin.sh: MAILFLOW_PLUGIN_BUILD must be aot or singlefile, not '$mode'" >&2
    exit 2
    ;;
esac
read -r -a archs <<<"${MAILFLOW_PLUGIN_ARCHS:-amd64 arm64}"
if ((${#archs[@]} == 0)); then
  echo "build-plugin.sh: MAILFLOW_PLUGIN_ARCHS is empty; give amd64, arm64 or both" >&2
  exit 2
fi
for arch in "${archs[@]}"; do
  case "$arch" in
    amd64 | arm64) ;;
    *)
      echo "build-plugin.sh: MAILFLOW_PLUGIN_ARCHS: '$arch' is not an architecture Grafana names (amd64, arm64)" >&2
      exit 2
      ;;
  esac
done
case "$(uname -m)" in
  x86_64) host_arch=amd64 ;;
  aarch64 | arm64) host_arch=arm64 ;;
  *) host_arch="$(uname -m)" ;;
esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
dest="$out/mailflow-tls-datasource"

# One publish at a time: test harnesses may package concurrently, and publishes share the project's obj/.
mkdir -p "$here/MailFlow.Backend/obj"
exec 9>"$here/MailFlow.Backend/obj/build-plugin.lock"
flock 9

publish="$(mktemp -d)"
trap 'rm -rf "$publish"' EXIT

# The browser side first: a type or build error fails in seconds, before the minutes of publishing.
frontend="${MAILFLOW_PLUGIN_FRONTEND:-}"
if [ -z "$frontend" ]; then
  if ! command -v npm >/dev/null; then
    echo "build-plugin.sh: npm is missing; the plugin's browser side is built with Node.js >= 18.12 and npm" \
      "(Debian: apt-get install -y nodejs npm), or set MAILFLOW_PLUGIN_FRONTEND to a built plugin/dist folder" >&2
    exit 1
  fi
  if [ ! -f "$here/plugin/node_modules/.package-lock.json" ] || [ "$here/plugin/package-lock.json" -nt "$here/plugin/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$here/plugin" --no-audit --no-fund --loglevel=error >&2
  fi
  npm run --prefix "$here/plugin" --silent build -- --no-stats >&2
  frontend="$here/plugin/dist"
fi
if [ ! -f "$frontend/module.js" ] || [ ! -f "$frontend/plugin.json" ]; then
  echo "build-plugin.sh: $frontend has no module.js and plugin.json (the output of npm run build in grafana-backend/plugin)" >&2
  exit 1
fi

# publish_arch <arch>: writes $publish/<arch>/mailflow-backend and sets $how to the mode it used.
publish_arch() {
  local arch="$1" rid triple cross_packages
  how="$mode"
  case "$arch" in
    amd64) rid=linux-x64 triple=x86_64-linux-gnu cross_packages="gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu libc6-dev-amd64-cross" ;;
    arm64) rid=linux-arm64 triple=aarch64-linux-gnu cross_packages="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
  esac
  local aot_tools=()
  if [ "$how" = aot ] && [ "$arch" = "$host_arch" ]; then
    if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
      echo "build-plugin.sh: no C compiler for Native AOT; building a single-file $arch executable instead" >&2
      how=singlefile
    fi
  elif [ "$how" = aot ]; then
    # Cross-compiling: the SDK links with <triple>-gcc against the cross C library (/usr/<triple>) and strips
    # with the matching objcopy; its ILCompiler package for the other architecture comes from NuGet.
    if ! command -v "$triple-gcc" >/dev/null || ! command -v "$triple-objcopy" >/dev/null || [ ! -e "/usr/$triple/lib/crt1.o" ]; then
      echo "build-plugin.sh: no $triple-gcc with its C library for Native AOT ($arch on this $host_arch machine);" \
        "building a single-file $arch executable instead (Debian: apt-get install $cross_packages)" >&2
      how=singlefile
    else
      # gcc cross compilers build for one target and refuse clang's --target=<triple>, which the SDK adds when
      # the target architecture differs from the machine's: drop it.
      cat >"$publish/$triple-cc" <<CC
#!/bin/sh
for arg; do
  shift
  case "\$arg" in --target=*) ;; *) set -- "\$@" "\$arg" ;; esac
done
exec $triple-gcc "\$@"
CC
      chmod 755 "$publish/$triple-cc"
      aot_tools=("-p:CppCompilerAndLinker=$publish/$triple-cc" "-p:ObjCopyName=$triple-objcopy")
    fi
  fi

  local common=(-c Release -r "$rid" --self-contained -o "$publish/$arch" -nologo -v:q -p:DebugType=none)
  case "$how" in
    aot)
      dotnet publish "$here/MailFlow.Backend/MailFlow.Backend.csproj" "${common[@]}" -p:PublishAot=true \
        -p:StripSymbols=true "${aot_tools[@]}" >&2
      ;;
    singlefile)
      dotnet publish "$here/MailFlow.Backend/MailFlow.Backend.csproj" "${common[@]}" -p:PublishSingleFile=true \
        -p:PublishReadyToRun=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=false >&2
      ;;
  esac
}

built=()
for arch in "${archs[@]}"; do
  publish_arch "$arch"
  built+=("$arch: $how")
done

rm -rf "$dest"
mkdir -p "$dest"
cp -R "$frontend/." "$dest/"
summary=()
for i in "${!archs[@]}"; do
  exe="$dest/gpx_mailflow_linux_${archs[$i]}"
  cp "$publish/${archs[$i]}/mailflow-backend" "$exe"
  chmod 755 "$exe"
  summary+=("${built[$i]}, $(du -h "$exe" | cut -f1)")
done
echo "build-plugin.sh: wrote $dest ($(IFS=';'; echo "${summary[*]}" | sed 's/;/; /g'))" >&2
