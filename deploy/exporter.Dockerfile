# mailflow-exporter: parses mail-server logs and writes per-minute counts to InfluxDB (`run` follows log files).
# Build from the repository root: docker build -f deploy/exporter.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY proto/ proto/
COPY tlsrpt/ tlsrpt/
COPY exporter/ exporter/
RUN dotnet publish exporter/MailFlow.Exporter/MailFlow.Exporter.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0.0
WORKDIR /app
COPY --from=build /app ./
# Checkpoints live in a volume so that a restart neither loses nor double counts lines.
RUN mkdir -p /var/lib/mailflow-exporter && chown app:app /var/lib/mailflow-exporter
USER app
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1
ENTRYPOINT ["dotnet", "/app/mailflow-exporter.dll"]
CMD ["--help"]
