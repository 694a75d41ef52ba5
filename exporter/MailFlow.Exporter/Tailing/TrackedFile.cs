using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// One followed file as <see cref="FileFollower"/> knows it: its identity, how far it was read and consumed
/// (what the checkpoint keeps), its open stream and the parser of its current content.
/// </summary>
internal sealed class TrackedFile(FileIdentity identity, string path) : IDisposable
{
    public FileIdentity Identity { get; } = identity;
    public string Path { get; set; } = path;
    public FileStream? Stream { get; set; }

    /// <summary>Consumed offset: just after the last complete line whose records were handed on.</summary>
    public long Offset { get; set; }

    /// <summary>Next byte to read (below <see cref="Offset"/> while replaying after a restart).</summary>
    public long Position { get; set; }

    /// <summary>Records completed by lines ending at or before this offset were counted before the restart.</summary>
    public long ReplayUntil { get; set; }

    public long LineNumber { get; set; }
    public DateTimeOffset? Latest { get; set; }

    /// <summary>The file's first bytes, to recognise a copy of it.</summary>
    public byte[]? Head { get; set; }

    /// <summary>For a copytruncate copy: the file it was copied from.</summary>
    public FileIdentity? CopyOf { get; set; }
    public long Backlog { get; set; }
    public long LastGrowth { get; set; }
    public bool Finished { get; set; }
    public bool Unsupported { get; set; }

    /// <summary>The file's length when format detection last failed to decide.</summary>
    public long DetectionTriedAt { get; set; }
    public bool SkippingLongLine { get; set; }
    public bool StartedMidFile { get; set; }
    public ILogParser? Parser { get; set; }
    public ParseContext? Context { get; set; }
    public LineChecks? Checks { get; set; }

    /// <summary>Counts of the lines read, over every parser of this file.</summary>
    public LineStats Stats { get; } = new();

    public void Dispose()
    {
        Stream?.Dispose();
        Stream = null;
    }
}
