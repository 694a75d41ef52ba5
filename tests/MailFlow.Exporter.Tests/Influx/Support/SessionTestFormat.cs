using System.Globalization;
using System.Text;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Sinks;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>
/// A tiny log format for the InfluxDB path's tests, independent of the real parsers, with the one property of
/// real MTA logs that matters for exactly-once: a message's facts are spread over several lines of a session.
/// <code>
/// 2026-11-27T08:00:05Z s1 connect TLS1.2 mx.example.org   (opens session s1: TLS version and peer)
/// 2026-11-27T08:00:06Z s1 msg inbound 2 1000               (a message: direction, recipients, bytes)
/// 2026-11-27T08:00:07Z s1 close
/// </code>
/// A message in a session the parser did not see open is recorded with TLS "unknown": a follower that lost
/// session state (e.g. after a restart without replay) changes the totals, and tests see it.
/// Any other line is a problem ("not a flowtest line").
/// </summary>
public sealed class SessionTestFormat : ILogFormat
{
    public static readonly SessionTestFormat Instance = new();

    public string Name => "flowtest";

    public string Description => "test sessions";

    public double Detect(IReadOnlyList<string> sample) => sample.Count > 0 && sample[0].Contains(" connect ", StringComparison.Ordinal) ? 0.9 : 0;

    public ILogParser CreateParser(ParseContext context) => new Parser(context);

    /// <summary>One line of the format.</summary>
    public static string Connect(DateTimeOffset time, string session, TlsVersion tls, string peer) =>
        string.Create(CultureInfo.InvariantCulture, $"{time:yyyy-MM-ddTHH:mm:ssZ} {session} connect {tls.ToWire()} {peer}");

    /// <inheritdoc cref="Connect"/>
    public static string Message(DateTimeOffset time, string session, Direction direction, int recipients, long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{time:yyyy-MM-ddTHH:mm:ssZ} {session} msg {direction.ToWire()} {recipients} {bytes}");

    /// <inheritdoc cref="Connect"/>
    public static string Close(DateTimeOffset time, string session) =>
        string.Create(CultureInfo.InvariantCulture, $"{time:yyyy-MM-ddTHH:mm:ssZ} {session} close");

    private sealed class Parser(ParseContext context) : ILogParser
    {
        private readonly Dictionary<string, (TlsVersion Tls, string Peer)> _sessions = [];

        public void ParseLine(ReadOnlySpan<byte> line, long lineNumber)
        {
            var parts = Encoding.UTF8.GetString(line).Split(' ');
            if (parts.Length < 3 || !DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                context.Problem(lineNumber, "not a flowtest line");
                return;
            }

            switch (parts[2])
            {
                case "connect" when parts.Length == 5 && TlsVersions.TryParseWire(parts[3], out var tls):
                    _sessions[parts[1]] = (tls, parts[4]);
                    break;
                case "msg" when parts.Length == 6 && Directions.TryParseWire(parts[3], out var direction):
                    var known = _sessions.TryGetValue(parts[1], out var session);
                    context.Sink.OnRecord(new MailRecord
                    {
                        Timestamp = time,
                        Direction = direction,
                        Tls = known ? session.Tls : TlsVersion.Unknown,
                        RemoteHost = known ? session.Peer : null,
                        Recipients = int.Parse(parts[4], CultureInfo.InvariantCulture),
                        Bytes = long.Parse(parts[5], CultureInfo.InvariantCulture),
                        SourceHost = context.Options.SourceHost ?? "mx1",
                    });
                    break;
                case "close":
                    _sessions.Remove(parts[1]);
                    break;
                default:
                    context.Problem(lineNumber, "not a flowtest line");
                    break;
            }
        }

        public void Complete()
        {
        }
    }
}

/// <summary>
/// Per-minute aggregation for the InfluxDB path's tests (the report's aggregator is tested on its own): the
/// implicit connector of the direction; peers only for plaintext and legacy TLS.
/// </summary>
public sealed class TestAggregator : IPointAggregator
{
    private readonly Dictionary<(DateTimeOffset, SeriesKey), Counts> _series = [];
    private readonly Dictionary<(DateTimeOffset, PeerKey), Counts> _peers = [];

    public IEnumerable<SeriesPoint> Series => _series.Select(p => new SeriesPoint(p.Key.Item1, p.Key.Item2, p.Value));

    public IEnumerable<PeerPoint> Peers => _peers.Select(p => new PeerPoint(p.Key.Item1, p.Key.Item2, p.Value));

    public void OnRecord(in MailRecord record)
    {
        var minute = new DateTimeOffset(record.Timestamp.UtcTicks - (record.Timestamp.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var connector = ConnectorInfo.Default(record.Direction);
        var key = new SeriesKey(record.Direction, connector, record.Tls, record.SourceHost ?? "");
        var counts = _series.GetValueOrDefault((minute, key));
        counts.Add(record.Recipients, record.Bytes);
        _series[(minute, key)] = counts;
        if (record.Tls.IsLegacyOrPlaintext() && record.RemoteHost is { } peer)
        {
            var peerKey = new PeerKey(record.Direction, connector, record.Tls, record.SourceHost ?? "", peer);
            var peerCounts = _peers.GetValueOrDefault((minute, peerKey));
            peerCounts.Add(record.Recipients, record.Bytes);
            _peers[(minute, peerKey)] = peerCounts;
        }
    }

    public void OnProblem(in ParseProblem problem)
    {
    }
}
