# Grafana with the MailFlow data source plugin built from source (unsigned: the compose file allows it by id).
# Build from the repository root: docker build -f deploy/grafana.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS plugin
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY proto/ proto/
COPY grafana-backend/ grafana-backend/
# Writes /out/mailflow-tls-datasource/ with plugin.json, module.js, the logo and gpx_mailflow_linux_amd64.
RUN bash grafana-backend/build-plugin.sh /out

# The Ubuntu variant: the plugin is a glibc (linux-x64) executable, which Alpine's musl cannot run.
FROM grafana/grafana:12.2.0-ubuntu
# Outside /var/lib/grafana: that folder is a volume, whose old copy would hide a rebuilt plugin.
COPY --from=plugin /out/mailflow-tls-datasource /opt/mailflow/plugins/mailflow-tls-datasource
ENV GF_PATHS_PLUGINS=/opt/mailflow/plugins \
    GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=mailflow-tls-datasource
