using MailFlow.Exporter.Sinks;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// What a follower read from one file in one step: the records' points, and the offset they take the file to.
/// The coordinator applies both together, so its checkpoint always pairs totals with the offsets they cover.
/// </summary>
/// <param name="Position">The file's position after this step.</param>
/// <param name="Points">Points of the records completed in this step (null when none).</param>
/// <param name="Latest">The newest record time seen in this file so far.</param>
/// <param name="Backlog">Bytes of the file not read yet after this step (0: caught up).</param>
/// <param name="Removed">The file left the glob and was read to its end: forget it.</param>
public sealed record FollowDelta(FilePosition Position, IPointAggregator? Points, DateTimeOffset? Latest, long Backlog, bool Removed = false);
