using Google.Protobuf.WellKnownTypes;
using MailFlow.Api.V1;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Backend.Tests.Api;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;
using BlockReason = MailFlow.Contracts.Vocabulary.BlockReason;
using ConnectorType = MailFlow.Contracts.Vocabulary.ConnectorType;
using Direction = MailFlow.Contracts.Vocabulary.Direction;
using SecurityDimension = MailFlow.Questions.SecurityDimension;

namespace MailFlow.Backend.Tests.Query;

/// <summary>
/// The transit-security questions through the engine and the public API, against real influxd. The points
/// (<see cref="Lines"/>), on <see cref="ConnectorFixture.Day1"/> (written with their rollup tiers, as the exporter does):
/// <list type="bullet">
/// <item>Outbound "Fabrikam outbound" (Partner, forced TLS): 10 messages at 09:00 with security points verified/strong 7
/// and untrusted/legacy 3; 4 more at 10:00 written without security points (data older than the measurement), which
/// must read as auth and cipher unknown. Outbound: 14 = verified 7 (50 %), untrusted 3, unknown 4.</item>
/// <item>Inbound internet: 5 messages at 12:00, anonymous/strong 5 (100 %).</item>
/// <item>Blocked: strict.example tls-not-offered, mx1 2 (day 1 11:00) + mx2 1 (day 2 08:00) = 3, last seen day 2 08:00;
/// dane.example dane 1 (mx1, day 1 13:00).</item>
/// <item>Outbound plaintext peer plain.example: 3 (mx1, day 1 14:00), and inbound plaintext peer litware.example 9
/// (not a recipient domain, so not listed).</item>
/// <item>Security peers (peers to contact): old.example inbound internet anonymous/weak (weak-cipher), mx1 1 (day 1
/// 15:00) + mx2 2 (day 1 16:30) = 3, last seen day 1 16:30; on "Fabrikam outbound" untrusted/legacy
/// (unverified-certificate), other.example 5 (mx1, day 2 07:00) and partner.example 3 (mx1, day 1 09:00). So the
/// order is old.example (weak ciphers first, although fewer messages), other.example 5, partner.example 3.</item>
/// </list>
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed class TransitSecurityQueryTests
{
    public const string Database = "mailflow_transit_security";

    private static readonly Lock Loading = new();
    private static bool _loaded;

    private readonly ConnectorFixture _fixture;

    public TransitSecurityQueryTests(ConnectorFixture fixture)
    {
        _fixture = fixture;
        lock (Loading)
        {
            if (!_loaded)
            {
                fixture.Influx.Query("CREATE DATABASE " + Database);
                FixtureLoader.Write(fixture.Influx, Database, Lines(ConnectorFixture.Day1));
                _loaded = true;
            }
        }
    }

    private InfluxOptions Options => new() { Url = _fixture.Influx.Url, Database = Database };

    private static QueryFilter Range => new() { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1.AddDays(2) };

    public static IEnumerable<string> Lines(DateTimeOffset day1)
    {
        const string Fabrikam = "connector=Fabrikam\\ outbound,connector_type=Partner,direction=outbound,forced_tls=true";
        const string Internet = "connector=From\\ the\\ internet\\ without\\ a\\ connector,connector_type=Internet,direction=inbound,forced_tls=false";
        string At(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Fields(int messages, DateTimeOffset time, bool lastSeen = false) =>
            $"messages={messages}i,recipients={messages}i,bytes=0i" + (lastSeen ? $",last_seen={At(time)}i" : "") + " " + At(time);

        var nine = day1.AddHours(9);
        yield return $"{InfluxSchema.MessagesMeasurement},{Fabrikam},source=mx1,tls=TLS1.2 {Fields(10, nine)}";
        yield return $"{InfluxSchema.SecurityMeasurement},{Fabrikam},auth=verified,cipher=strong,source=mx1 {Fields(7, nine)}";
        yield return $"{InfluxSchema.SecurityMeasurement},{Fabrikam},auth=untrusted,cipher=legacy,source=mx1 {Fields(3, nine)}";
        yield return $"{InfluxSchema.MessagesMeasurement},{Fabrikam},source=mx1,tls=TLS1.2 {Fields(4, day1.AddHours(10))}";
        yield return $"{InfluxSchema.MessagesMeasurement},{Internet},source=mx1,tls=TLS1.3 {Fields(5, day1.AddHours(12))}";
        yield return $"{InfluxSchema.SecurityMeasurement},{Internet},auth=anonymous,cipher=strong,source=mx1 {Fields(5, day1.AddHours(12))}";
        yield return $"{InfluxSchema.BlockedMeasurement},{Fabrikam},reason=tls-not-offered,recipient_domain=strict.example,source=mx1 {Fields(2, day1.AddHours(11), lastSeen: true)}";
        yield return $"{InfluxSchema.BlockedMeasurement},{Fabrikam},reason=tls-not-offered,recipient_domain=strict.example,source=mx2 {Fields(1, day1.AddDays(1).AddHours(8), lastSeen: true)}";
        yield return $"{InfluxSchema.BlockedMeasurement},{Fabrikam},reason=dane,recipient_domain=dane.example,source=mx1 {Fields(1, day1.AddHours(13), lastSeen: true)}";
        yield return $"{InfluxSchema.PeersMeasurement},connector=To\\ the\\ internet\\ without\\ a\\ connector,connector_type=Internet,direction=outbound,forced_tls=false,peer=plain.example,source=mx1,tls=none {Fields(3, day1.AddHours(14), lastSeen: true)}";
        yield return $"{InfluxSchema.PeersMeasurement},{Internet},peer=litware.example,source=mx1,tls=none {Fields(9, day1.AddHours(14), lastSeen: true)}";
        yield return $"{InfluxSchema.SecurityPeersMeasurement},{Internet},auth=anonymous,cipher=weak,concern=weak-cipher,peer=old.example,source=mx1 {Fields(1, day1.AddHours(15), lastSeen: true)}";
        yield return $"{InfluxSchema.SecurityPeersMeasurement},{Internet},auth=anonymous,cipher=weak,concern=weak-cipher,peer=old.example,source=mx2 {Fields(2, day1.AddHours(16.5), lastSeen: true)}";
        yield return $"{InfluxSchema.SecurityPeersMeasurement},{Fabrikam},auth=untrusted,cipher=legacy,concern=unverified-certificate,peer=other.example,source=mx1 {Fields(5, day1.AddDays(1).AddHours(7), lastSeen: true)}";
        yield return $"{InfluxSchema.SecurityPeersMeasurement},{Fabrikam},auth=untrusted,cipher=legacy,concern=unverified-certificate,peer=partner.example,source=mx1 {Fields(3, nine, lastSeen: true)}";
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Engine_Breakdown_CountsMinutesWithoutSecurityPointsAsUnknown(bool useRollups)
    {
        using var client = new InfluxQlClient(Options);
        var engine = new MailFlowQueryEngine(client, options: new QueryEngineOptions { UseRollups = useRollups });

        var answer = await engine.GetTransitSecurityAsync(Range);

        var outbound = answer.Of(Direction.Outbound);
        Assert.Equal(14, outbound.Messages);
        Assert.Equal((7L, 3L, 4L), (outbound[TransitAuth.Verified], outbound[TransitAuth.Untrusted], outbound[TransitAuth.Unknown]));
        Assert.Equal((7L, 3L, 4L), (outbound[CipherClass.Strong], outbound[CipherClass.Legacy], outbound[CipherClass.Unknown]));
        Assert.Equal(50, outbound.Percent(TransitAuth.Verified));
        Assert.Equal((5L, 100.0), (answer.Of(Direction.Inbound)[TransitAuth.Anonymous], answer.Of(Direction.Inbound).Percent(TransitAuth.Anonymous)));

        // Partner connectors first in their direction; forced TLS kept.
        var fabrikam = Assert.Single(answer.Connectors, c => c.Direction == Direction.Outbound);
        Assert.Equal(("Fabrikam outbound", ConnectorType.Partner, true, 14L), (fabrikam.Connector, fabrikam.ConnectorType, fabrikam.ForcedTls, fabrikam.Messages.Messages));
    }

    [Fact]
    public async Task Engine_AuthSeries_PerHourWithUnknownWhereNoSecurityPoints()
    {
        using var client = new InfluxQlClient(Options);
        var engine = new MailFlowQueryEngine(client);
        var filter = new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1.AddDays(1), Direction = Direction.Outbound };

        var answer = await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(filter, SecurityDimension.Auth, TimeSpan.FromHours(1)));

        Assert.Equal(["verified", "untrusted", "unknown"], answer.Series.Select(s => s.Class));
        var verified = answer.Series[0].Points;
        Assert.Equal(24, verified.Count);
        Assert.Equal((7L, 70.0), (verified[9].Messages, verified[9].Percent));
        var unknown = answer.Series[2].Points;
        Assert.Equal((0L, 4L, 100.0), (unknown[9].Messages, unknown[10].Messages, unknown[10].Percent));
    }

    [Theory]
    [InlineData(0, 2 * 1440)]
    [InlineData(557, 1440 + 643)]
    [InlineData(599, 601)]
    [InlineData(-1440 - 7, 1440 + 13)]
    public async Task Engine_SecurityAnswers_SameCachedRolledUpOrMinutesOnly(int fromMinute, int toMinute)
    {
        // The per-direction read of the time series and the cache of closed parts of buckets change nothing: the
        // same answers as an engine reading only minutes, with no cache, for ranges cut inside hours and days.
        using var client = new InfluxQlClient(Options);
        using var minutesOnly = new MailFlowQueryEngine(client, options: new QueryEngineOptions { CacheTtl = TimeSpan.Zero, UseRollups = false });
        using var rollups = new MailFlowQueryEngine(client, options: new QueryEngineOptions { CacheTtl = TimeSpan.Zero });
        using var cached = new MailFlowQueryEngine(client);
        var filter = new QueryFilter { From = ConnectorFixture.Day1.AddMinutes(fromMinute), To = ConnectorFixture.Day1.AddMinutes(toMinute) };

        var expected = await SecurityAnswers(minutesOnly, filter);
        foreach (var engine in new[] { rollups, cached, cached })
        {
            Assert.Equal(expected, await SecurityAnswers(engine, filter));
        }
    }

    [Fact]
    public async Task Engine_SecuritySeriesAndDirections_AddUpToTheBreakdownPerConnector()
    {
        // The series and the per-direction breakdown are read per direction, the breakdown per connector: over whole
        // days they must agree.
        // Outbound day 1 (see Lines): verified 7, untrusted 3, unknown 4 (the 10:00 minute without security points).
        using var client = new InfluxQlClient(Options);
        using var engine = new MailFlowQueryEngine(client);
        var series = await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(Range, SecurityDimension.Auth, TimeSpan.FromDays(1)));
        var breakdown = await engine.GetTransitSecurityAsync(Range);
        var directions = await engine.GetSecurityDirectionsAsync(Range);

        foreach (var direction in new[] { Direction.Inbound, Direction.Outbound })
        {
            var perDirection = directions.Single(d => d.Direction == direction).Messages;
            Assert.Equal(breakdown.Of(direction).Messages, perDirection.Messages);
            Assert.All(TransitSecurity.CipherClasses, cipher => Assert.Equal(breakdown.Of(direction)[cipher], perDirection[cipher]));
            foreach (var auth in TransitSecurity.AuthLevels)
            {
                Assert.Equal(breakdown.Of(direction)[auth], perDirection[auth]);
                var fromSeries = series.Series.Where(s => s.Direction == direction && s.Class == auth.ToWire()).SelectMany(s => s.Points).Sum(p => p.Messages);
                Assert.Equal(breakdown.Of(direction)[auth], fromSeries);
            }
        }

        var outbound = series.Series.Where(s => s.Direction == Direction.Outbound).ToDictionary(s => s.Class, s => s.Points[0].Messages);
        Assert.Equal(new Dictionary<string, long> { ["verified"] = 7, ["untrusted"] = 3, ["unknown"] = 4 }, outbound);
    }

    [Fact]
    public async Task Engine_SecuritySeriesWithoutConnectors_ReadFromTheNarrowTiers()
    {
        // A database whose narrow daily tier deliberately disagrees with its minutes (5 verified messages at 10:00;
        // the mailflow_security_narrow day point says 4 verified and 1 anonymous): only an engine that reads the narrow
        // tier for a whole day without connector names answers 4 and 1; an engine reading minutes only gives the
        // minutes' 5 verified, with or without the connector named.
        var database = "narrow_" + Guid.NewGuid().ToString("N")[..8];
        _fixture.Influx.Query("CREATE DATABASE " + database);
        var day = ConnectorFixture.Day1.ToUnixTimeSeconds();
        const string Connector = "connector=X,connector_type=Partner,direction=outbound,forced_tls=false,source=mx1";
        const string Narrow = "connector_type=Partner,direction=outbound,source=mx1";
        _fixture.Influx.Write(database, string.Join('\n',
            $"{InfluxSchema.MessagesMeasurement},{Connector},tls=TLS1.2 messages=5i {day + 36_000}",
            $"{InfluxSchema.SecurityMeasurement},{Connector},auth=verified,cipher=strong messages=5i {day + 36_000}",
            $"{InfluxSchema.TlsMeasurement}_1d,{Narrow},tls=TLS1.2 messages=5i {day}",
            $"{InfluxSchema.SecurityNarrowMeasurement}_1d,{Narrow},auth=verified,cipher=strong messages=4i {day}",
            $"{InfluxSchema.SecurityNarrowMeasurement}_1d,{Narrow},auth=anonymous,cipher=strong messages=1i {day}"));
        using var client = new InfluxQlClient(new InfluxOptions { Url = _fixture.Influx.Url, Database = database });
        using var rolled = new MailFlowQueryEngine(client);
        using var minutes = new MailFlowQueryEngine(client, options: new QueryEngineOptions { UseRollups = false });
        var wholeDay = new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day2 };

        async Task<Dictionary<string, long>> Auth(MailFlowQueryEngine engine, QueryFilter filter) =>
            (await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(filter, SecurityDimension.Auth, TimeSpan.FromDays(1))))
                .Series.ToDictionary(s => s.Class, s => s.Points.Sum(p => p.Messages));

        Assert.Equal(new Dictionary<string, long> { ["verified"] = 4, ["anonymous"] = 1 }, await Auth(rolled, wholeDay));
        Assert.Equal(new Dictionary<string, long> { ["verified"] = 5 }, await Auth(minutes, wholeDay));
        Assert.Equal(new Dictionary<string, long> { ["verified"] = 5 }, await Auth(minutes, wholeDay with { Connectors = ["X"] }));
    }

    [Fact]
    public async Task Engine_ClosedPartOfADay_CachedUnderItsExactRange()
    {
        // Day 1 09:30 .. day 2 10:30: two partial days, both closed long ago. Asked once, every piece is cached (the
        // partial ones under their exact bounds), so the same range is answered while influxd is down; a range one
        // minute wider is not.
        using var influx = new MailFlow.Testing.InfluxDbServer();
        influx.Query("CREATE DATABASE " + Database);
        FixtureLoader.Write(influx, Database, Lines(ConnectorFixture.Day1));
        using var client = new InfluxQlClient(new InfluxOptions { Url = influx.Url, Database = Database });
        using var engine = new MailFlowQueryEngine(client);
        var range = new QueryFilter { From = ConnectorFixture.Day1.AddMinutes(570), To = ConnectorFixture.Day2.AddMinutes(630) };

        var before = await SecurityAnswers(engine, range);
        influx.Stop();
        var after = await SecurityAnswers(engine, range);
        var wider = await Assert.ThrowsAsync<MailFlowQueryException>(() => engine.GetTransitSecurityAsync(range with { From = range.From.AddMinutes(-1) }));

        Assert.Equal(before, after);
        Assert.Equal(QueryErrorKind.Unavailable, wider.Kind);

        // From 09:30 the 09:00 points are outside: outbound is the 4 messages of 10:00 (unknown), inbound the 5 of
        // 12:00 (anonymous); still answered with influxd down.
        var answer = await engine.GetTransitSecurityAsync(range);
        Assert.Equal((4L, 4L), (answer.Of(Direction.Outbound).Messages, answer.Of(Direction.Outbound)[TransitAuth.Unknown]));
        Assert.Equal((5L, 5L), (answer.Of(Direction.Inbound).Messages, answer.Of(Direction.Inbound)[TransitAuth.Anonymous]));
    }

    private static async Task<string> SecurityAnswers(MailFlowQueryEngine engine, QueryFilter filter)
    {
        var breakdown = await engine.GetTransitSecurityAsync(filter);
        var answers = new object[]
        {
            breakdown.Directions.Select(d => new { d.Direction, d.Messages.Messages, Auth = TransitSecurity.AuthLevels.Select(a => d.Messages[a]), Cipher = TransitSecurity.CipherClasses.Select(c => d.Messages[c]) }),
            breakdown.Connectors.Select(c => new { c.Direction, c.Connector, c.ForcedTls, c.Messages.Messages, Auth = TransitSecurity.AuthLevels.Select(a => c.Messages[a]) }),
            (await engine.GetSecurityDirectionsAsync(filter)).Select(d => new { d.Direction, d.Messages.Messages, Auth = TransitSecurity.AuthLevels.Select(a => d.Messages[a]), Cipher = TransitSecurity.CipherClasses.Select(c => d.Messages[c]) }),
            await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(filter, SecurityDimension.Auth, TimeSpan.FromMinutes(7), MaxPoints: 5000)),
            await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(filter, SecurityDimension.Cipher, TimeSpan.FromHours(1), MaxPoints: 5000)),
            await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(filter with { Direction = Direction.Outbound }, SecurityDimension.Auth, TimeSpan.FromMinutes(15), MaxPoints: 5000)),
            await engine.GetSecurityTimeSeriesAsync(new SecurityTimeSeriesRequest(filter with { Connectors = ["Fabrikam outbound"] }, SecurityDimension.Cipher, TimeSpan.FromDays(1))),
            await engine.GetSecurityInsightsAsync(filter),
        };
        return System.Text.Json.JsonSerializer.Serialize(answers);
    }

    [Fact]
    public async Task Engine_BlockedAndPlaintextDomains_MergedOverServers()
    {
        using var client = new InfluxQlClient(Options);
        var engine = new MailFlowQueryEngine(client);

        var blocked = await engine.GetBlockedAsync(Range, 10);
        Assert.Equal([("strict.example", BlockReason.TlsNotOffered, 3L), ("dane.example", BlockReason.Dane, 1L)], blocked.Select(b => (b.Domain, b.Reason, b.Deliveries)));
        Assert.Equal(["mx1", "mx2"], blocked[0].Sources);
        Assert.Equal(ConnectorFixture.Day1.AddDays(1).AddHours(8), blocked[0].LastSeen);

        var plaintext = Assert.Single(await engine.GetPlaintextDomainsAsync(Range, 10));
        Assert.Equal(("plain.example", 3L), (plaintext.Domain, plaintext.Messages));

        await Assert.ThrowsAsync<MailFlowQueryException>(() => engine.GetBlockedAsync(Range, 0));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Engine_SecurityPeers_WeakCiphersFirstMergedOverServersCutAfterMerging(bool useRollups)
    {
        using var client = new InfluxQlClient(Options);
        var engine = new MailFlowQueryEngine(client, options: new QueryEngineOptions { UseRollups = useRollups });

        var peers = await engine.GetSecurityPeersAsync(Range, 10);

        Assert.Equal(
            [("old.example", SecurityConcern.WeakCipher, 3L), ("other.example", SecurityConcern.UnverifiedCertificate, 5L), ("partner.example", SecurityConcern.UnverifiedCertificate, 3L)],
            peers.Select(p => (p.Peer, p.Concern, p.Messages)));
        var old = peers[0];
        Assert.Equal((Direction.Inbound, "From the internet without a connector", ConnectorType.Internet, TransitAuth.Anonymous, CipherClass.Weak), (old.Direction, old.Connector, old.ConnectorType, old.Auth, old.Cipher));
        Assert.Equal(["mx1", "mx2"], old.Sources);
        Assert.Equal(ConnectorFixture.Day1.AddHours(16.5), old.LastSeen);
        Assert.Equal((Direction.Outbound, "Fabrikam outbound", ConnectorType.Partner, TransitAuth.Untrusted, CipherClass.Legacy), (peers[1].Direction, peers[1].Connector, peers[1].ConnectorType, peers[1].Auth, peers[1].Cipher));
        Assert.Equal(ConnectorFixture.Day1.AddDays(1).AddHours(7), peers[1].LastSeen);

        // Filters apply (outbound only: the two unverified peers), and the cut comes after merging.
        var outbound = await engine.GetSecurityPeersAsync(Range with { Direction = Direction.Outbound }, 1);
        Assert.Equal(("other.example", 5L), (Assert.Single(outbound).Peer, outbound[0].Messages));
        // Day 1 only: other.example (day 2) is out of the range.
        var dayOne = await engine.GetSecurityPeersAsync(new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1.AddDays(1) }, 10);
        Assert.Equal(["old.example", "partner.example"], dayOne.Select(p => p.Peer));

        await Assert.ThrowsAsync<MailFlowQueryException>(() => engine.GetSecurityPeersAsync(Range, 0));
    }

    [Fact]
    public async Task Api_GetSecurityPeers_AnswersAsTheEngineDefaultLimitAndRefusesABadOne()
    {
        await using var server = await ApiServer.StartAsync(Options);
        var range = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(2)) };

        var response = await server.Client.GetSecurityPeersAsync(new GetSecurityPeersRequest { Filter = range });

        Assert.Equal(["old.example", "other.example", "partner.example"], response.Peers.Select(p => p.Peer));
        var old = response.Peers[0];
        Assert.Equal(("weak-cipher", MailFlow.Api.V1.Direction.Inbound, "From the internet without a connector", MailFlow.Api.V1.ConnectorType.Internet, "anonymous", "weak", 3L),
            (old.Concern, old.Direction, old.Connector, old.ConnectorType, old.Auth, old.Cipher, old.Messages));
        Assert.Equal(["mx1", "mx2"], old.Sources);
        Assert.Equal(ConnectorFixture.Day1.AddHours(16.5), old.LastSeen.ToDateTimeOffset());
        Assert.Equal(("unverified-certificate", MailFlow.Api.V1.ConnectorType.Partner, "untrusted", "legacy"), (response.Peers[2].Concern, response.Peers[2].ConnectorType, response.Peers[2].Auth, response.Peers[2].Cipher));

        var tooMany = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await server.Client.GetSecurityPeersAsync(new GetSecurityPeersRequest { Filter = range, Limit = 10_001 }));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, tooMany.StatusCode);
    }

    [Fact]
    public async Task Api_TransitSecurityMethods_AnswerAsTheEngine()
    {
        await using var server = await ApiServer.StartAsync(Options);
        var range = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(2)) };

        var security = await server.Client.GetTransitSecurityAsync(new GetTransitSecurityRequest { Filter = range });
        var outbound = Assert.Single(security.Directions, d => d.Direction == MailFlow.Api.V1.Direction.Outbound).Breakdown;
        Assert.Equal(14, outbound.Messages);
        Assert.Equal(["verified", "trusted", "untrusted", "anonymous", "none", "unknown"], outbound.Auth.Select(a => a.Level));
        Assert.Equal([7L, 0, 3, 0, 0, 4], outbound.Auth.Select(a => a.Messages));
        Assert.Equal(50, outbound.Auth[0].Percent);

        var series = await server.Client.GetTransitSecurityTimeSeriesAsync(new GetTransitSecurityTimeSeriesRequest { Filter = range, Dimension = MailFlow.Api.V1.SecurityDimension.Cipher, Interval = Duration.FromTimeSpan(TimeSpan.FromDays(1)) });
        var strongOutbound = Assert.Single(series.Series, s => s.Direction == MailFlow.Api.V1.Direction.Outbound && s.Level == "strong");
        Assert.Equal([7L, 0], strongOutbound.Points.Select(p => p.Messages));

        var blocked = await server.Client.GetBlockedDeliveriesAsync(new GetBlockedDeliveriesRequest { Filter = range, Limit = 1 });
        var top = Assert.Single(blocked.Blocked);
        Assert.Equal(("strict.example", "tls-not-offered", 3L), (top.RecipientDomain, top.Reason, top.Deliveries));

        var domains = await server.Client.GetPlaintextDomainsAsync(new GetPlaintextDomainsRequest { Filter = range });
        Assert.Equal(["plain.example"], domains.Domains.Select(d => d.RecipientDomain));
    }

    /// <summary>
    /// "Fabrikam outbound" (outbound Partner, Forced TLS) over both days: 14 messages, of which untrusted 3 and
    /// anonymous 0 are unverified (the 4 minutes without security points are unknown, never unverified): 3 / 14 =
    /// 21.43 %. Forced TLS from one unverified message: critical; Partner with >= 10 messages and >= 5 %: warning. No
    /// weak cipher (strong 7, legacy 3, unknown 4). The inbound internet connector (anonymous 5) raises nothing:
    /// inbound anonymous is normal and it is no Partner. Critical first.
    /// </summary>
    [Fact]
    public async Task Api_GetSecurityInsights_UnverifiedPeersOnTheForcedPartnerConnector()
    {
        await using var server = await ApiServer.StartAsync(Options);
        Filter Window(DateTimeOffset from, DateTimeOffset to) => new() { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to) };
        var day1 = ConnectorFixture.Day1;

        var insights = (await server.Client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = Window(day1, day1.AddDays(2)) })).Insights;

        Assert.Equal(
        [
            ("OutboundForcedTlsUnverifiedPeers", SecurityInsightKind.ForcedTlsUnverifiedPeers, InsightSeverity.Critical, 3L, 14L, 0.0),
            ("OutboundPartnerUnverifiedCertificates", SecurityInsightKind.PartnerUnverifiedCertificates, InsightSeverity.Warning, 3L, 14L, 5.0),
        ], insights.Select(i => (i.Id, i.Kind, i.Severity, i.Messages, i.TotalMessages, i.ThresholdPercent)));
        Assert.All(insights, i =>
        {
            Assert.Equal(("Fabrikam outbound", MailFlow.Api.V1.ConnectorType.Partner, MailFlow.Api.V1.Direction.Outbound), (i.Connector, i.ConnectorType, i.Direction));
            Assert.Equal(21.43, Math.Round(i.SharePercent, 2));
            Assert.NotEmpty(i.Advice);
        });
        Assert.Equal("Forced TLS connector with unverified peers", insights[0].Title);

        // 09:00 to 10:00 holds the 10 messages with security points: 3 / 10 = 30 %, still >= 10 messages for the Partner rule.
        var nine = (await server.Client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = Window(day1.AddHours(9), day1.AddHours(10)) })).Insights;
        Assert.Equal([("OutboundForcedTlsUnverifiedPeers", 3L, 10L, 30.0), ("OutboundPartnerUnverifiedCertificates", 3L, 10L, 30.0)], nine.Select(i => (i.Id, i.Messages, i.TotalMessages, i.SharePercent)));

        // 10:00 to 11:00: the 4 messages without security points are unknown, not unverified: nothing.
        Assert.Empty((await server.Client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = Window(day1.AddHours(10), day1.AddHours(11)) })).Insights);

        // The filter applies as in GetTransitSecurity: inbound only, or Internet connectors only, leaves nothing.
        var inbound = Window(day1, day1.AddDays(2));
        inbound.Direction = MailFlow.Api.V1.Direction.Inbound;
        Assert.Empty((await server.Client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = inbound })).Insights);
        var internet = Window(day1, day1.AddDays(2));
        internet.ConnectorType = MailFlow.Api.V1.ConnectorType.Internet;
        Assert.Empty((await server.Client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = internet })).Insights);
        var fabrikam = Window(day1, day1.AddDays(2));
        fabrikam.Connectors.Add("Fabrikam outbound");
        Assert.Equal(2, (await server.Client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = fabrikam })).Insights.Count);
    }
}
