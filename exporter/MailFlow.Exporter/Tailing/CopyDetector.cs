namespace MailFlow.Exporter.Tailing;

/// <summary>
/// Recognises copytruncate's copy of a followed file (a new file of the glob that starts with the bytes of a file
/// already read, or of one lately truncated), so that only its unread part is read.
/// </summary>
internal sealed class CopyDetector
{
    /// <summary>The first bytes of a file identify its content (a copy starts with the same bytes).</summary>
    public const int HeadBytes = 4096;

    /// <summary>Shorter heads could match by chance (two logs starting alike); a few lines with timestamps do not.</summary>
    private const int MinimumHeadBytes = 256;

    private readonly List<(byte[] Head, long Offset, string Path, FileIdentity Identity)> _truncated = [];

    public static byte[]? ReadHead(FileStream stream)
    {
        var head = new byte[(int)Math.Min(HeadBytes, stream.Length)];
        var position = stream.Position;
        stream.Position = 0;
        stream.ReadExactly(head);
        stream.Position = position;
        return head.Length == 0 ? null : head;
    }

    private static byte[]? HeadOf(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return ReadHead(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Remembers the head of a file about to be read again from its start (copytruncate).</summary>
    public void RememberTruncated(TrackedFile file, IEnumerable<TrackedFile> tracked)
    {
        foreach (var copy in tracked.Where(t => t.CopyOf == file.Identity))
        {
            copy.CopyOf = null; // The original now holds new content: the copy no longer mirrors it.
        }

        if (file.Head is { Length: >= MinimumHeadBytes } head)
        {
            _truncated.Add((head, file.Offset, file.Path, file.Identity));
            if (_truncated.Count > 8)
            {
                _truncated.RemoveAt(0);
            }
        }

        file.Head = null;
    }

    /// <summary>A followed (or lately truncated) file whose first bytes the new file starts with, or null.</summary>
    public (FileIdentity Identity, long Offset, string Path, bool StillFollowed)? FindOriginal(string path, IEnumerable<TrackedFile> tracked)
    {
        var prefix = HeadOf(path) ?? [];

        foreach (var file in tracked)
        {
            file.Head ??= HeadOf(file.Path);
            if (file.Head is { Length: >= MinimumHeadBytes } head && prefix.AsSpan().StartsWith(head) && file.Offset > 0)
            {
                return (file.Identity, file.Offset, file.Path, true);
            }
        }

        for (var i = _truncated.Count - 1; i >= 0; i--)
        {
            var (head, offset, original, identity) = _truncated[i];
            if (prefix.AsSpan().StartsWith(head))
            {
                return (identity, offset, original, false);
            }
        }

        return null;
    }
}
