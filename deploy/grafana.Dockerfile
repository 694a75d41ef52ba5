# Grafana with the MailFlow data source plugin built from source (unsigned: the compose file allows it by id).
# Build from the repository root: docker build -f deploy/grafana.Dockerfile .
# Works on amd64 and arm64 machines (for either, or both: docker buildx build --platform linux/amd64,linux/arm64).
# The plugin stage runs natively on the build machine ($BUILDPLATFORM) and cross-compiles the other architecture,
# so no emulation is needed: the package holds gpx_mailflow_linux_amd64 and gpx_mailflow_linux_arm64, and Grafana
# starts the one for its own architecture.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0.100 AS plugin
# clang and zlib let build-plugin.sh compile the plugin with Native AOT for this machine (starts in ~0.1 s; Grafana
# starts plugins on demand); the cross gcc and C library of the other architecture let it do the same for that one.
# Without them it falls back to larger, slower-starting single-file executables. Node.js and npm build the plugin's
# browser side (grafana-backend/plugin, TypeScript) into module.js with webpack, from the committed lock file.
RUN case "$(dpkg --print-architecture)" in \
      amd64) cross="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross" ;; \
      arm64) cross="gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu libc6-dev-amd64-cross" ;; \
      *) echo "build the plugin on an amd64 or arm64 machine, not $(dpkg --print-architecture)" >&2; exit 1 ;; \
    esac \
 && apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev nodejs npm $cross \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY proto/ proto/
# The npm packages first, in their own layer: rebuilt only when the lock file changes.
COPY grafana-backend/plugin/package.json grafana-backend/plugin/package-lock.json grafana-backend/plugin/.npmrc grafana-backend/plugin/
RUN npm ci --prefix grafana-backend/plugin --no-audit --no-fund
COPY tlsrpt/ tlsrpt/
COPY grafana-backend/ grafana-backend/
# Builds the browser side (npm run build) and writes /out/mailflow-tls-datasource/ with plugin.json, module.js, the
# README, the logo, gpx_mailflow_linux_amd64 and gpx_mailflow_linux_arm64.
RUN bash grafana-backend/build-plugin.sh /out

# The Ubuntu variant (amd64 and arm64): the plugin is a glibc executable, which Alpine's musl cannot run.
FROM grafana/grafana:12.2.0-ubuntu
# Outside /var/lib/grafana: that folder is a volume, whose old copy would hide a rebuilt plugin.
COPY --from=plugin /out/mailflow-tls-datasource /opt/mailflow/plugins/mailflow-tls-datasource
ENV GF_PATHS_PLUGINS=/opt/mailflow/plugins \
    GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=mailflow-tls-datasource
