namespace MailFlow.Exporter.Aggregation;

/// <summary>Message, recipient and byte totals of one series over one time bucket.</summary>
public struct Counts
{
    public long Messages;
    public long Recipients;
    public long Bytes;

    public Counts(long messages, long recipients, long bytes)
    {
        Messages = messages;
        Recipients = recipients;
        Bytes = bytes;
    }

    public void Add(int recipients, long bytes)
    {
        Messages++;
        Recipients += Math.Max(1, recipients);
        Bytes += bytes;
    }

    public void Add(in Counts other)
    {
        Messages += other.Messages;
        Recipients += other.Recipients;
        Bytes += other.Bytes;
    }
}
