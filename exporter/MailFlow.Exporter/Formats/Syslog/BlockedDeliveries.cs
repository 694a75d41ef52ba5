using System.Text;
using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>
/// Counts a delivery a TLS policy stopped once per message, recipient domain and reason: a deferred message is
/// retried (and logged again) until it expires, but it is one blocked message, as in Microsoft's table.
/// </summary>
internal sealed class BlockedDeliveries
{
    // Enough for days of deferrals; forgetting older ones only risks counting a long-deferred message again.
    private const int Remembered = 100_000;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public bool FirstTime(ReadOnlySpan<byte> messageId, string? domain, BlockReason reason)
    {
        if (_seen.Count >= Remembered)
        {
            _seen.Clear();
        }

        return _seen.Add(string.Concat(Encoding.ASCII.GetString(messageId), "|", domain, "|", reason.ToWire()));
    }
}
