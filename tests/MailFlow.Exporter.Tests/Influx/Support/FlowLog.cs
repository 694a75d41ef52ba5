using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>
/// Writes <see cref="SessionTestFormat"/> logs and keeps, as it writes them, the totals they hold: the expected
/// values of the tests come from this construction, not from the exporter.
/// </summary>
public sealed class FlowLog
{
    private static readonly TlsVersion[] Versions = [TlsVersion.Tls12, TlsVersion.Tls13, TlsVersion.Tls10, TlsVersion.None, TlsVersion.Tls12];
    private int _next;

    public FlowLog(DateTimeOffset start) => Time = start;

    /// <summary>The time of the next session.</summary>
    public DateTimeOffset Time { get; private set; }

    /// <summary>Seconds between sessions.</summary>
    public int Step { get; init; } = 7;

    public long Messages { get; private set; }
    public long Recipients { get; private set; }
    public long Bytes { get; private set; }
    public Dictionary<TlsVersion, long> MessagesByTls { get; } = [];
    public HashSet<DateTimeOffset> Minutes { get; } = [];

    /// <summary>Per peer of a plaintext or TLS 1.0 session (the ones with peer points): the newest minute of its messages.</summary>
    public Dictionary<string, DateTimeOffset> LegacyPeerLastMinute { get; } = [];

    /// <summary>The lines of <paramref name="count"/> more sessions: connect, one or two messages, close.</summary>
    public List<string> Sessions(int count)
    {
        var lines = new List<string>(count * 4);
        for (var i = 0; i < count; i++)
        {
            var n = _next++;
            var session = "s" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var tls = Versions[n % Versions.Length];
            var direction = n % 3 == 0 ? Direction.Outbound : Direction.Inbound;
            lines.Add(SessionTestFormat.Connect(Time, session, tls, $"peer{n % 5}.example"));
            var messages = 1 + (n % 2);
            for (var m = 0; m < messages; m++)
            {
                var recipients = 1 + ((n + m) % 3);
                var bytes = 1000 + n;
                lines.Add(SessionTestFormat.Message(Time.AddSeconds(1), session, direction, recipients, bytes));
                Messages++;
                Recipients += recipients;
                Bytes += bytes;
                MessagesByTls[tls] = MessagesByTls.GetValueOrDefault(tls) + 1;
                var t = Time.AddSeconds(1);
                var minute = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero);
                Minutes.Add(minute);
                if (tls is TlsVersion.None or TlsVersion.Tls10)
                {
                    LegacyPeerLastMinute[$"peer{n % 5}.example"] = minute; // Sessions run forward in time: the last one is the newest.
                }
            }

            lines.Add(SessionTestFormat.Close(Time.AddSeconds(2), session));
            Time = Time.AddSeconds(Step);
        }

        return lines;
    }

    /// <summary>Adds another log's totals to this one's (for inputs written by two logs).</summary>
    public void AddTotals(FlowLog other)
    {
        Messages += other.Messages;
        Recipients += other.Recipients;
        Bytes += other.Bytes;
        foreach (var (tls, count) in other.MessagesByTls)
        {
            MessagesByTls[tls] = MessagesByTls.GetValueOrDefault(tls) + count;
        }

        Minutes.UnionWith(other.Minutes);
        foreach (var (peer, minute) in other.LegacyPeerLastMinute)
        {
            if (!LegacyPeerLastMinute.TryGetValue(peer, out var mine) || minute > mine)
            {
                LegacyPeerLastMinute[peer] = minute;
            }
        }
    }

    /// <summary>Appends lines to a file (creating it), each ending with a newline.</summary>
    public static void Append(string path, IEnumerable<string> lines)
    {
        using var writer = new StreamWriter(path, append: true) { NewLine = "\n" };
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }
}
