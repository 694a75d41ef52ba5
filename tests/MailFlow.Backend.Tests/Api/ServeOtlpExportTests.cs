using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using MailFlow.Api.V1;
using MailFlow.Backend.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Api;

/// <summary>
/// <c>mailflow-backend serve</c> as a real process exports its traces, metrics and logs to the OTLP endpoint the
/// environment names, over the protocol it names, under the service name it names, and nothing to the default
/// localhost:4317/4318. (The plugin mode exports nothing over OTLP: Grafana collects its metrics and logs.)
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed partial class ServeOtlpExportTests(ConnectorFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Serve_OtlpEnvironment_TelemetryReachesThatEndpointUnderThatServiceName(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var defaults = new DefaultCollectorPorts();
        var service = "serve-" + protocol.Replace('/', '-');
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { RepoPaths.BackendProgram, "serve", "--listen", "127.0.0.1:0", "--influx-url", fixture.Influx.Url.ToString(), "--influx-database", ConnectorFixture.Database })
        {
            start.ArgumentList.Add(argument);
        }

        receiver.Configure(start, protocol, service, "deployment.environment=test");
        using var server = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        server.OutputDataReceived += (_, e) => Read(e.Data);
        server.ErrorDataReceived += (_, e) => Read(e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(Patience);
            using var channel = GrpcChannel.ForAddress(address);
            var client = new MailFlowInsights.MailFlowInsightsClient(channel);
            var range = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(2)) };

            var summary = await client.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = range });

            Assert.Equal(95, summary.Directions.Single(d => d.Direction == Direction.Inbound).Messages); // ConnectorFixture's count.
            // Periodic exports (0.5 s) while the server runs: it need not stop for anything to arrive.
            await receiver.WaitForAsync(
                r => r.Any(e => e.MetricNames.Contains("mailflow.query.duration")) && r.Any(e => e.MetricNames.Contains("http.server.request.duration")),
                Patience, "query and ASP.NET Core metrics");
            await receiver.WaitForAsync(r => r.SelectMany(e => e.SpanNames).Any(s => s.StartsWith("mailflow.query.", StringComparison.Ordinal)), Patience, "query span");
            await receiver.WaitForAsync(r => r.SelectMany(e => e.LogRecords).Any(l => l.Body.StartsWith("Serving mailflow.v1 on " + address, StringComparison.Ordinal)), Patience, "'Serving' log record");
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync();
            }

            if (!server.WaitForExit(30_000))
            {
                server.Kill(entireProcessTree: true);
            }
        }

        var received = receiver.Received;
        var transport = protocol == "grpc" ? "grpc" : "http";
        Assert.All(received, e => Assert.Equal(transport, e.Transport));
        Assert.All(received.SelectMany(e => e.ServiceNames), name => Assert.Equal(service, name));
        Assert.Contains(received.SelectMany(e => e.Resources), r => r.GetValueOrDefault("deployment.environment") == "test");
        Assert.True(receiver.Latest("mailflow.influx.duration") >= 1, "InfluxDB requests measured");
        if (defaults.AllWatched)
        {
            Assert.Equal(0, defaults.Connections);
        }

        lock (output)
        {
            Assert.DoesNotContain("   at ", output.ToString(), StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"Serving mailflow\.v1 on (http://\S+?)/? \(auth")]
    private static partial Regex ListeningLine();
}
