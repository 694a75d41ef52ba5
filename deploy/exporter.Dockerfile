# mailflow-exporter: parses mail-server logs and writes per-minute counts to InfluxDB (`run` follows log files).
# Build from the repository root: docker build -f deploy/exporter.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
# The publish is Native AOT (the project sets PublishAot): it compiles and links with clang; zlib for the linker.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY proto/ proto/
COPY tlsrpt/ tlsrpt/
COPY exporter/ exporter/
RUN dotnet publish exporter/MailFlow.Exporter/MailFlow.Exporter.csproj -c Release -o /app --nologo

# A native executable needs no .NET runtime, only its C libraries: the runtime-deps image.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0.0
WORKDIR /app
COPY --from=build /app/mailflow-exporter ./
# Checkpoints live in a volume so that a restart neither loses nor double counts lines.
RUN mkdir -p /var/lib/mailflow-exporter && chown app:app /var/lib/mailflow-exporter
USER app
ENTRYPOINT ["/app/mailflow-exporter"]
CMD ["--help"]
