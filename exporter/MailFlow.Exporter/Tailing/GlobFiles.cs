using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Tailing;

/// <summary>The files a followed glob names now, by identity (a rotated file keeps its identity under a new name).</summary>
internal static class GlobFiles
{
    /// <summary>Rotated, compressed files are not followed: they hold what was already read under the plain name.</summary>
    private static readonly string[] CompressedSuffixes = [".gz", ".xz", ".bz2", ".zst", ".lz4", ".zip"];

    /// <summary>The glob's uncompressed files now, by identity.</summary>
    public static Dictionary<FileIdentity, string> Present(string glob)
    {
        var present = new Dictionary<FileIdentity, string>();
        foreach (var source in InputExpander.Expand([glob]).Inputs)
        {
            if (CompressedSuffixes.Any(suffix => source.Path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (FileIdentity.Of(source.Path) is { } identity)
            {
                present[identity] = source.Path;
            }
        }

        return present;
    }

    public static bool EndsWithNewline(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Position = stream.Length - 1;
        return stream.ReadByte() == '\n';
    }

    public static DateTime SafeWriteTime(string path)
    {
        try
        {
            return File.GetLastWriteTimeUtc(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DateTime.MinValue;
        }
    }
}
