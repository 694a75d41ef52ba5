using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using MailFlow.Api.V1;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Plugin;
using MailFlow.Backend.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace MailFlow.Backend.Tests.Api;

/// <summary>
/// Requests that cannot be decoded, sent as raw bytes over a real gRPC channel: INVALID_ARGUMENT naming the problem,
/// never UNKNOWN "Exception was thrown by handler", and no error (stack trace) in the server's log.
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed class UndecodableRequestTests(ConnectorFixture fixture)
{
    // Every mailflow.v1 request has `Filter filter = 1`, and Filter has `string source = 6`:
    // 0x0A = field 1, length-delimited, 4 bytes: 0x32 = field 6, length-delimited, 2 bytes: C3 28, which is not
    // UTF-8 (C3 starts a two-byte sequence, 28 is not a continuation byte).
    private static readonly byte[] SourceNotUtf8 = [0x0A, 0x04, 0x32, 0x02, 0xC3, 0x28];

    // Field 1 announces 5 bytes, 2 follow: the message ends in the middle of a field.
    private static readonly byte[] Truncated = [0x0A, 0x05, 0x32, 0x03];

    // pluginv2 requests start with `PluginContext pluginContext = 1`, whose `string pluginId = 2` is not UTF-8 here.
    private static readonly byte[] PluginIdNotUtf8 = [0x0A, 0x04, 0x12, 0x02, 0xC3, 0x28];

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    private static async Task<RpcException> CallRawAsync(GrpcChannel channel, MethodType type, string service, string method, byte[] body, Metadata? headers = null)
    {
        var raw = new Method<byte[], byte[]>(type, service, method, Raw, Raw);
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(headers, deadline: DateTime.UtcNow.AddSeconds(30));
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            if (type == MethodType.ServerStreaming)
            {
                using var call = invoker.AsyncServerStreamingCall(raw, null, options, body);
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                using var call = invoker.AsyncUnaryCall(raw, null, options, body);
                await call.ResponseAsync;
            }
        });
    }

    [Fact]
    public async Task EveryApiMethod_StringNotUtf8_InvalidArgumentNamingIt()
    {
        var log = new ErrorLog();
        await using var server = await ApiServer.StartAsync(fixture.Options, configure: builder => builder.Logging.AddProvider(log));

        var methods = MailFlowInsights.Descriptor.Methods;
        // The seven of v1's first release, four of transit security, five of SMTP TLS reports, GetSecurityInsights and the
        // peers to contact (GetSecurityPeers).
        Assert.Equal(7 + 4 + 5 + 1 + 1, methods.Count);
        foreach (var method in methods)
        {
            var error = await CallRawAsync(server.Channel, MethodType.Unary, MailFlowInsights.Descriptor.FullName, method.Name, SourceNotUtf8);

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains($"mailflow.v1.MailFlowInsights/{method.Name}", error.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("is not a valid protobuf message: String is invalid UTF-8.", error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty(log.Errors);
    }

    [Fact]
    public async Task ApiMethod_TruncatedMessage_InvalidArgumentSayingSo()
    {
        var log = new ErrorLog();
        await using var server = await ApiServer.StartAsync(fixture.Options, configure: builder => builder.Logging.AddProvider(log));

        var error = await CallRawAsync(server.Channel, MethodType.Unary, "mailflow.v1.MailFlowInsights", "GetLegacyPeers", Truncated);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("is not a valid protobuf message", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(log.Errors);
    }

    [Fact]
    public async Task ApiKeyAndHealth_StillApplyAndDecodeTheSameWay()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options, apiKey: "s3cret-key");

        // A well-formed request without the key is still refused by the interceptor...
        var request = new ListConnectorsRequest { Filter = new Filter { From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(ConnectorFixture.Day2) } };
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.ListConnectorsAsync(request));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        // ...and answered with the key.
        Assert.NotEmpty((await server.Client.ListConnectorsAsync(request, new Metadata { { "x-api-key", "s3cret-key" } })).Connectors);

        // grpc.health.v1 HealthCheckRequest: `string service = 1`, here C3 28.
        var health = await CallRawAsync(server.Channel, MethodType.Unary, "grpc.health.v1.Health", "Check", [0x0A, 0x02, 0xC3, 0x28]);
        Assert.Equal(StatusCode.InvalidArgument, health.StatusCode);
        Assert.Contains("grpc.health.v1.Health/Check", health.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pluginv2.Data", "QueryData", MethodType.Unary)]
    [InlineData("pluginv2.Diagnostics", "CheckHealth", MethodType.Unary)]
    [InlineData("pluginv2.Diagnostics", "CollectMetrics", MethodType.Unary)]
    [InlineData("pluginv2.Resource", "CallResource", MethodType.ServerStreaming)]
    public async Task PluginServices_StringNotUtf8_InvalidArgumentWithoutStackTrace(string service, string method, MethodType type)
    {
        // The plugin's own service registration (AddMailFlowPlugin/MapMailFlowPlugin) on Kestrel, as Grafana reaches it.
        var log = new ErrorLog();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddMailFlowPlugin();
        await using var app = builder.Build();
        app.MapMailFlowPlugin();
        await app.StartAsync();
        using var channel = GrpcChannel.ForAddress(BackendServer.BoundAddress(app));

        var error = await CallRawAsync(channel, type, service, method, PluginIdNotUtf8);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"{service}/{method}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("is not a valid protobuf message: String is invalid UTF-8.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(log.Errors);
        await app.StopAsync();
    }

    /// <summary>Log entries at Error or above, with their exceptions.</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error)
                {
                    owner.Errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
