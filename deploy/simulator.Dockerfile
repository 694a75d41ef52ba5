# mailflow-simulator: writes the demo organisation's mail logs at the current time (docker compose's default source).
# Build from the repository root: docker build -f deploy/simulator.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY demo/ demo/
RUN dotnet publish demo/MailFlow.Simulator/MailFlow.Simulator.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0.0
WORKDIR /app
COPY --from=build /app ./
# The logs live in a volume shared with the exporter (read-only there).
RUN mkdir -p /var/lib/mailflow-simulator && chown app:app /var/lib/mailflow-simulator
USER app
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1
ENTRYPOINT ["dotnet", "/app/mailflow-simulator.dll"]
CMD ["--help"]
