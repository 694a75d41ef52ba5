namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>A queue id (Postfix, Sendmail) packed into two words: a dictionary key that costs no allocation.</summary>
internal readonly record struct QueueKey(ulong Low, ulong High)
{
    public static bool TryCreate(ReadOnlySpan<byte> id, out QueueKey key)
    {
        key = default;
        if (id.Length is < 5 or > 24)
        {
            return false;
        }

        ulong low = 0;
        ulong high = 0;
        for (var i = 0; i < id.Length; i++)
        {
            var b = id[i];
            if (!((uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 25))
            {
                return false;
            }

            if (i < 8)
            {
                low |= (ulong)b << (i * 8);
            }
            else if (i < 16)
            {
                high |= (ulong)b << ((i - 8) * 8);
            }
        }

        // Ids longer than 16 bytes (not seen in practice) fold their tail into a hash.
        if (id.Length > 16)
        {
            high ^= MailText.Hash(id[16..]) * 31;
        }

        key = new QueueKey(low, high);
        return true;
    }
}
