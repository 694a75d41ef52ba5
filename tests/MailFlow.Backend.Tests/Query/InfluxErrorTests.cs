using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Query;

/// <summary>
/// The InfluxDB client fails with its own <see cref="InfluxQueryException"/>; the engine turns it into a
/// <see cref="MailFlowQueryException"/> at its boundary with the same message, so Influx/ needs nothing of Query/.
/// </summary>
public sealed class InfluxErrorTests
{
    /// <summary>Nothing listens on port 1 of loopback: every connection is refused at once.</summary>
    private static readonly InfluxOptions Refused = new() { Url = new Uri("http://127.0.0.1:1"), Database = "mailflow" };

    private static readonly QueryFilter Range = new()
    {
        From = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void InfluxSources_NeverUseTheQueryLayer()
    {
        var directory = Path.Combine(RepoPaths.Root, "grafana-backend", "MailFlow.Backend", "Influx");
        var files = Directory.GetFiles(directory, "*.cs");

        Assert.NotEmpty(files);
        Assert.All(files, file =>
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("MailFlow.Backend.Query", text, StringComparison.Ordinal);
            Assert.DoesNotContain("MailFlowQueryException", text, StringComparison.Ordinal);
            Assert.DoesNotContain("QueryErrorKind", text, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(InfluxErrorKind.Unavailable, QueryErrorKind.Unavailable)]
    [InlineData(InfluxErrorKind.Timeout, QueryErrorKind.Timeout)]
    [InlineData(InfluxErrorKind.AuthRefused, QueryErrorKind.AuthRefused)]
    [InlineData(InfluxErrorKind.DatabaseMissing, QueryErrorKind.DatabaseMissing)]
    [InlineData(InfluxErrorKind.Failed, QueryErrorKind.QueryFailed)]
    public void FromInflux_KeepsMessageAndCause_MapsTheKind(InfluxErrorKind influx, QueryErrorKind expected)
    {
        var error = new InfluxQueryException(influx, "InfluxDB at http://db:8086/ said no") { Cause = "no" };

        var translated = MailFlowQueryException.FromInflux(error);

        Assert.Equal(expected, translated.Kind);
        Assert.Equal("InfluxDB at http://db:8086/ said no", translated.Message);
        Assert.Equal("no", translated.Cause);
        Assert.Same(error, translated.InnerException);
    }

    [Fact]
    public void FromInflux_EveryKindIsMapped()
    {
        // The theory above lists five kinds: a sixth would need its own mapping and line there.
        Assert.Equal(5, Enum.GetValues<InfluxErrorKind>().Length);
    }

    [Fact]
    public async Task Unreachable_ClientThrowsInfluxError_EngineTheSameMessageAsItsOwn()
    {
        using var client = new InfluxQlClient(Refused);
        using var engine = new MailFlowQueryEngine(client);

        var influx = await Assert.ThrowsAsync<InfluxQueryException>(() => client.QueryAsync("SHOW DATABASES"));
        var query = await Assert.ThrowsAsync<MailFlowQueryException>(() => engine.GetTlsSummaryAsync(Range));
        var health = await engine.CheckHealthAsync();

        Assert.Equal(InfluxErrorKind.Unavailable, influx.Kind);
        Assert.StartsWith("InfluxDB at http://127.0.0.1:1/ is unreachable (", influx.Message, StringComparison.Ordinal);
        Assert.Equal(QueryErrorKind.Unavailable, query.Kind);
        Assert.Equal(influx.Message, query.Message);
        Assert.Equal(influx.Cause, query.Cause);
        Assert.False(health.Healthy);
        Assert.Equal(influx.Message, health.Message);
    }
}
