using System.Text;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Influx;

public sealed class LineProtocolWriterTests
{
    private static readonly DateTimeOffset Minute0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero); // 1795766400
    private static readonly DateTimeOffset Minute1 = Minute0.AddMinutes(1);

    /// <summary>
    /// The points behind Fixtures/Influx/points.golden.lp, in its order. The golden file was written by hand from
    /// the line protocol rules: tags sorted by key, ',', '=' and ' ' escaped with a backslash, empty tags left out,
    /// integers with an 'i', seconds since the epoch, and on peers only last_seen = the point's own minute in
    /// seconds (08:01 is 1795766460: 1795766400 + 60); plus the project's rules for what line protocol cannot
    /// carry everywhere (a backslash before a separator or at the end becomes '/', control characters a space).
    /// </summary>
    internal static (SeriesPoint[] Series, PeerPoint[] Peers) GoldenPoints()
    {
        static ConnectorInfo Partner(string name) => new(name, ConnectorType.Partner, false);
        SeriesPoint[] series =
        [
            new(Minute0, new SeriesKey(Direction.Inbound, ConnectorInfo.InboundInternet, TlsVersion.Tls12, "mx1"), new Counts(5, 7, 12345)),
            new(Minute1, new SeriesKey(Direction.Outbound, new ConnectorInfo("Contoso, Ltd = partner", ConnectorType.Partner, true), TlsVersion.Tls10, ""), new Counts(1, 1, 0)),
            new(Minute0, new SeriesKey(Direction.Inbound, new ConnectorInfo(@"EX01\Default Frontend", ConnectorType.OnPremises, false), TlsVersion.Tls13, "ex01.corp"), new Counts(2, 2, 2048)),
            new(Minute0, new SeriesKey(Direction.Inbound, Partner(@"trailing\"), TlsVersion.None, "mx1"), new Counts(1, 3, 10)),
            new(Minute0, new SeriesKey(Direction.Inbound, Partner(@"a\\b back\ slash c\,d"), TlsVersion.Unknown, "mx1"), new Counts(1, 1, 1)),
            new(Minute0, new SeriesKey(Direction.Inbound, Partner("line1\nline2\r\ttab"), TlsVersion.Ssl3, "mx1"), new Counts(1, 1, 1)),
            new(Minute0, new SeriesKey(Direction.Submission, Partner("Zürich Partner"), TlsVersion.Tls11, "mx1"), new Counts(long.MaxValue, 1, 1)),
        ];
        PeerPoint[] peers =
        [
            new(Minute1, new PeerKey(Direction.Outbound, ConnectorInfo.OutboundInternet, TlsVersion.Tls10, "mx1", "legacy.example.com"), new Counts(3, 4, 999)),
        ];
        return (series, peers);
    }

    [Fact]
    public void Write_GoldenPoints_MatchesGoldenFileByteForByte()
    {
        var (series, peers) = GoldenPoints();
        using var writer = new LineProtocolWriter(initialCapacity: 64); // Small on purpose: the buffer must grow.
        foreach (var point in series)
        {
            writer.Write(point);
        }

        foreach (var point in peers)
        {
            writer.Write(point);
        }

        var expected = File.ReadAllText(Fixtures.Path("Influx", "points.golden.lp"));
        Assert.Equal(expected, Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.Equal(8, writer.LineCount);
    }

    [Fact]
    public void Write_SecurityPeerPoint_TagsInKeyOrderWithLastSeen()
    {
        // Written by hand: tags sorted by key (auth, cipher, concern, connector, connector_type, direction, forced_tls,
        // peer, source), the space in the connector escaped, last_seen = the point's own minute (08:01 = 1795766460).
        var key = new SecurityPeerKey(Direction.Inbound, new ConnectorInfo("Fabrikam inbound", ConnectorType.Partner, false), SecurityConcern.UnverifiedCertificate,
            TransitAuth.Untrusted, CipherClass.Legacy, "mx1", "fabrikam.com");
        using var writer = new LineProtocolWriter();

        writer.Write(new SecurityPeerPoint(Minute1, key, new Counts(3, 4, 0)));

        Assert.Equal(
            "mailflow_security_peers,auth=untrusted,cipher=legacy,concern=unverified-certificate,connector=Fabrikam\\ inbound,connector_type=Partner,direction=inbound,forced_tls=false,peer=fabrikam.com,source=mx1 messages=3i,recipients=4i,bytes=0i,last_seen=1795766460i 1795766460\n",
            Encoding.UTF8.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void Clear_AfterWrite_StartsAnEmptyBatch()
    {
        var (series, _) = GoldenPoints();
        using var writer = new LineProtocolWriter();
        writer.Write(series[0]);
        writer.Clear();
        writer.Write(series[3]);
        Assert.Equal(1, writer.LineCount);
        Assert.StartsWith("mailflow_messages,connector=trailing/,", Encoding.UTF8.GetString(writer.WrittenSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(@"EX01\Default", @"EX01\Default")]
    [InlineData(@"end\", "end/")]
    [InlineData(@"a\\b", @"a/\b")]
    [InlineData("a\nb", "a b")]
    [InlineData("plain, with = signs", "plain, with = signs")]
    public void NormalizeTagValue_Value_GivesWhatInfluxStores(string value, string expected) =>
        Assert.Equal(expected, LineProtocolWriter.NormalizeTagValue(value));

    [Fact]
    public void Write_ManyPoints_AllocatesNothingPerPointOnceWarm()
    {
        var (series, _) = GoldenPoints();
        using var writer = new LineProtocolWriter(4 * 1024 * 1024); // 10,000 lines of about 200 bytes fit: no growth.
        for (var i = 0; i < 100; i++)
        {
            writer.Write(series[i % series.Length]);
        }

        writer.Clear();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            writer.Write(series[i % series.Length]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 10,000 points");
    }
}
