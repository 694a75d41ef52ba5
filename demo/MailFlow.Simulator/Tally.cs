using System.Text.Json;
using System.Text.Json.Nodes;

namespace MailFlow.Simulator;

/// <summary>The log formats written (one subfolder each).</summary>
internal enum LogFormat
{
    Postfix,
    Exchange,
    Exim,
    Sendmail,
    Csv,
}

/// <summary>
/// The simulator's own bookkeeping: every message the exporter must count (loopback probes, content-filter round
/// trips, rejected spam and deferred deliveries are not), by format, direction, connector and TLS version, with the
/// connector worked out from samples/connectors.yaml's rules. Written as JSON with <c>--summary</c>.
/// </summary>
internal sealed class Tally
{
    private readonly Dictionary<(LogFormat Format, Direction Direction, string Connector, Tls Tls), long> _counts = [];
    private readonly Lock _lock = new();

    public long Messages { get; private set; }

    public void Count(LogFormat format, Direction direction, Party party, Tls tls)
    {
        lock (_lock)
        {
            var key = (format, direction, Organisation.ConnectorOf(direction, party), tls);
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
            Messages++;
        }
    }

    /// <summary>TLS spelled as the exporter's reports and InfluxDB tags spell it.</summary>
    public static string Wire(Tls tls) => tls switch
    {
        Tls.None => "none",
        Tls.Tls10 => "TLS1.0",
        Tls.Tls11 => "TLS1.1",
        Tls.Tls12 => "TLS1.2",
        Tls.Tls13 => "TLS1.3",
        _ => "unknown",
    };

    public static string Wire(Direction direction) => direction.ToString().ToLowerInvariant();

    /// <summary>
    /// <c>{"messages": n, "counts": [{"format", "direction", "connector", "tls", "messages"}...]}</c>, sorted.
    /// </summary>
    public string ToJson(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
        {
            var counts = new JsonArray();
            foreach (var ((format, direction, connector, tls), messages) in _counts
                .OrderBy(c => c.Key.Format).ThenBy(c => c.Key.Direction).ThenBy(c => c.Key.Connector, StringComparer.Ordinal).ThenBy(c => c.Key.Tls))
            {
                counts.Add(new JsonObject
                {
                    ["format"] = format.ToString().ToLowerInvariant(),
                    ["direction"] = Wire(direction),
                    ["connector"] = connector,
                    ["tls"] = Wire(tls),
                    ["messages"] = messages,
                });
            }

            var root = new JsonObject
            {
                ["from"] = from.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["to"] = to.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["messages"] = Messages,
                ["counts"] = counts,
            };
            return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        }
    }
}
