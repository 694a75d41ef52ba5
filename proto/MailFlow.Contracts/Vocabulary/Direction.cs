namespace MailFlow.Contracts.Vocabulary;

/// <summary>Which way a message crossed the organisation's boundary.</summary>
public enum Direction : byte
{
    /// <summary>A remote server delivered the message to us.</summary>
    Inbound = 0,

    /// <summary>We delivered the message to a remote server.</summary>
    Outbound = 1,

    /// <summary>An authenticated client (SMTP AUTH) submitted the message; Microsoft reports these as "SMTP Auth clients".</summary>
    Submission = 2,
}

/// <summary>The wire spelling of <see cref="Direction"/>, shared by tags, JSON, filters and the API.</summary>
public static class Directions
{
    /// <summary>Every direction, in report order.</summary>
    public static readonly IReadOnlyList<Direction> All = [Direction.Inbound, Direction.Outbound, Direction.Submission];

    public static string ToWire(this Direction direction) => direction switch
    {
        Direction.Inbound => "inbound",
        Direction.Outbound => "outbound",
        Direction.Submission => "submission",
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, null),
    };

    public static bool TryParseWire(string? text, out Direction direction)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "inbound" or "in" or "receive" or "received":
                direction = Direction.Inbound;
                return true;
            case "outbound" or "out" or "send" or "sent":
                direction = Direction.Outbound;
                return true;
            case "submission" or "submit" or "auth":
                direction = Direction.Submission;
                return true;
            default:
                direction = default;
                return false;
        }
    }
}
