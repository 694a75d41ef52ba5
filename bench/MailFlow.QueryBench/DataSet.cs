using System.Globalization;
using System.Net;
using System.Text;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;

namespace MailFlow.QueryBench;

/// <summary>
/// The benchmark's data: <see cref="Connectors"/> connectors (half inbound, half outbound; Partner/OnPremises
/// alternating, the first of each direction being the implicit internet connector), each with 2 TLS versions per
/// minute (TLS1.2 plus one of TLS1.3/TLS1.0/none/TLS1.1) over <see cref="Days"/> days, plus hourly legacy-peer points;
/// the TLS1.2 messages also have their auth level and cipher class (<c>mailflow_security</c>, one series per connector:
/// the other version's messages read as unknown), and every hour brings blocked deliveries on 5 outbound connectors
/// and peers to contact on 5 inbound ones.
/// </summary>
internal sealed class DataSet(int connectors, int days, DateTimeOffset end)
{
    public int Connectors { get; } = connectors;

    public int Days { get; } = days;

    public DateTimeOffset End { get; } = end;

    public DateTimeOffset Start => End.AddDays(-Days);

    public long MessagePoints => (long)Connectors * 2 * Days * 1440;

    private static readonly string[] SecondVersion = ["TLS1.3", "TLS1.0", "none", "TLS1.1"];

    public static string ConnectorName(int i) => i switch
    {
        0 => ConnectorTypes.InboundWithoutConnector,
        _ when i == 25 => ConnectorTypes.OutboundWithoutConnector,
        _ => "Connector " + i.ToString("00", CultureInfo.InvariantCulture),
    };

    /// <summary>Writes every point with <paramref name="writers"/> parallel HTTP writers in batches of 10,000 lines.</summary>
    public async Task LoadAsync(Uri influx, string database, int writers)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var series = BuildSeries();
        var security = BuildSecuritySeries();
        var minutes = Days * 1440;
        var startSeconds = Start.ToUnixTimeSeconds();
        var next = -1;
        const int MinutesPerBatch = 100;
        var batches = (minutes + MinutesPerBatch - 1) / MinutesPerBatch;
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            var buffer = new StringBuilder(4 << 20);
            int batch;
            while ((batch = Interlocked.Increment(ref next)) < batches)
            {
                buffer.Clear();
                var first = batch * MinutesPerBatch;
                var last = Math.Min(minutes, first + MinutesPerBatch);
                for (var minute = first; minute < last; minute++)
                {
                    var time = (startSeconds + (minute * 60L)).ToString(CultureInfo.InvariantCulture);
                    for (var s = 0; s < series.Count; s++)
                    {
                        // Deterministic, varied counts: 1..20 messages, the legacy version rarer than TLS1.2.
                        var count = 1 + (int)((uint)(minute * 31 + s * 17) % (s % 2 == 0 ? 20u : 3u));
                        buffer.Append(series[s]).Append(" bytes=").Append(count * 5000).Append("i,messages=").Append(count)
                            .Append("i,recipients=").Append(count).Append("i ").Append(time).Append('\n');
                        if (s % 2 == 0)
                        {
                            buffer.Append(security[s / 2]).Append(" bytes=").Append(count * 5000).Append("i,messages=").Append(count)
                                .Append("i,recipients=").Append(count).Append("i ").Append(time).Append('\n');
                        }
                    }

                    if (minute % 60 == 0)
                    {
                        AppendPeers(buffer, minute / 60, time);
                        AppendBlockedAndSecurityPeers(buffer, minute / 60, time);
                    }
                }

                await PostAsync(http, influx, database, buffer.ToString()).ConfigureAwait(false);
            }
        })).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private void AppendPeers(StringBuilder buffer, int hour, string time)
    {
        // 5 legacy peers on each of 10 connectors, one point per hour each.
        for (var c = 1; c <= 10; c++)
        {
            var connector = c <= 5 ? c : 25 + c;
            for (var p = 0; p < 5; p++)
            {
                var tls = SecondVersion[1 + ((connector + p) % 3)];
                buffer.Append(InfluxSchema.PeersMeasurement)
                    .Append(",connector=").Append(Escape(ConnectorName(connector)))
                    .Append(",connector_type=").Append(Type(connector).ToWire())
                    .Append(",direction=").Append(Dir(connector).ToWire())
                    .Append(",forced_tls=").Append(Forced(connector) ? "true" : "false")
                    .Append(",peer=peer").Append(p).Append(".c").Append(connector).Append(".example")
                    .Append(",source=mx").Append(1 + (connector % 2))
                    .Append(",tls=").Append(tls)
                    .Append(" messages=").Append(1 + ((hour + p) % 4)).Append("i,recipients=1i,bytes=1000i,last_seen=").Append(time).Append("i ").Append(time).Append('\n');
            }
        }
    }

    private void AppendBlockedAndSecurityPeers(StringBuilder buffer, int hour, string time)
    {
        string[] reasons = ["tls-not-offered", "certificate-not-verified", "dane"];
        for (var c = 26; c <= 30; c++)
        {
            buffer.Append(InfluxSchema.BlockedMeasurement).Append(Tags(c))
                .Append(",reason=").Append(reasons[(hour + c) % reasons.Length])
                .Append(",recipient_domain=strict").Append(c).Append(".example,source=mx").Append(1 + (c % 2))
                .Append(" messages=1i,recipients=1i,bytes=0i,last_seen=").Append(time).Append("i ").Append(time).Append('\n');
        }

        for (var c = 1; c <= 5; c++)
        {
            for (var p = 0; p < 3; p++)
            {
                var weak = p == 0;
                buffer.Append(InfluxSchema.SecurityPeersMeasurement).Append(Tags(c))
                    .Append(",auth=").Append(weak ? "verified" : "anonymous")
                    .Append(",cipher=").Append(weak ? "weak" : "strong")
                    .Append(",concern=").Append(weak ? "weak-cipher" : "unverified-certificate")
                    .Append(",peer=peer").Append(p).Append(".c").Append(c).Append(".example,source=mx").Append(1 + (c % 2))
                    .Append(" messages=").Append(1 + ((hour + p) % 4)).Append("i,recipients=1i,bytes=1000i,last_seen=").Append(time).Append("i ").Append(time).Append('\n');
            }
        }
    }

    /// <summary>The auth level and cipher class of each connector's TLS1.2 messages.</summary>
    private List<string> BuildSecuritySeries()
    {
        (string Auth, string Cipher)[] levels = [("verified", "strong"), ("anonymous", "strong"), ("untrusted", "legacy"), ("trusted", "weak")];
        return Enumerable.Range(0, Connectors).Select(c =>
        {
            var (auth, cipher) = levels[c % levels.Length];
            return string.Create(CultureInfo.InvariantCulture, $"{InfluxSchema.SecurityMeasurement}{Tags(c)},auth={auth},cipher={cipher},source=mx{1 + (c % 2)}");
        }).ToList();
    }

    private static string Tags(int c) =>
        $",connector={Escape(ConnectorName(c))},connector_type={Type(c).ToWire()},direction={Dir(c).ToWire()},forced_tls={(Forced(c) ? "true" : "false")}";

    private List<string> BuildSeries()
    {
        var series = new List<string>();
        for (var c = 0; c < Connectors; c++)
        {
            foreach (var tls in new[] { "TLS1.2", SecondVersion[c % SecondVersion.Length] })
            {
                series.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{InfluxSchema.MessagesMeasurement},connector={Escape(ConnectorName(c))},connector_type={Type(c).ToWire()},direction={Dir(c).ToWire()},forced_tls={(Forced(c) ? "true" : "false")},source=mx{1 + (c % 2)},tls={tls}"));
            }
        }

        return series;
    }

    public static Direction Dir(int c) => c < 25 ? Direction.Inbound : Direction.Outbound;

    public static ConnectorType Type(int c) => c is 0 or 25 ? ConnectorType.Internet : c % 2 == 0 ? ConnectorType.Partner : ConnectorType.OnPremises;

    public static bool Forced(int c) => c % 5 == 3;

    private static string Escape(string tag) => tag.Replace(" ", "\\ ", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);

    private static async Task PostAsync(HttpClient http, Uri influx, string database, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        using var response = await http.PostAsync(new Uri(influx, $"/write?db={database}&precision=s"), content).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"write failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
    }
}
