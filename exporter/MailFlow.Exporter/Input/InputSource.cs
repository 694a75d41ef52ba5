namespace MailFlow.Exporter.Input;

/// <summary>One input to read: a file, or standard input.</summary>
/// <param name="Path">The file path, or <c>-</c> for standard input.</param>
public sealed record InputSource(string Path)
{
    public const string StdinPath = "-";

    public bool IsStdin => Path == StdinPath;

    /// <summary>The name used in messages.</summary>
    public string DisplayName => IsStdin ? "<stdin>" : Path;

    /// <summary>The file's length in bytes (compressed, for gzip), or null for stdin.</summary>
    public long? Length => IsStdin ? null : new FileInfo(Path).Length;

    /// <summary>The file's last-modified time, used to infer the year of yearless timestamps.</summary>
    public DateTimeOffset? LastModified => IsStdin ? null : File.GetLastWriteTimeUtc(Path);

    public Stream OpenRaw() => IsStdin
        ? Console.OpenStandardInput()
        : new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
}
