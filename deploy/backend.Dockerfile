# mailflow-backend serve: the public gRPC API (query engine over InfluxDB), with reflection and grpc.health.v1.
# Build from the repository root: docker build -f deploy/backend.Dockerfile .
FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY proto/ proto/
COPY tlsrpt/ tlsrpt/
COPY grafana-backend/ grafana-backend/
RUN dotnet publish grafana-backend/MailFlow.Backend/MailFlow.Backend.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0.0
WORKDIR /app
COPY --from=build /app ./
USER app
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 50051
ENTRYPOINT ["dotnet", "/app/mailflow-backend.dll"]
CMD ["serve"]
