using System.Globalization;

namespace MailFlow.Exporter.Tailing;

/// <summary>Where <c>run</c> starts reading files it has no checkpoint for, on its very first start.</summary>
public enum StartPosition
{
    /// <summary>Read existing files from their first line (complete totals for the minutes they hold).</summary>
    Beginning,

    /// <summary>Only lines appended after the start (like <c>tail -F</c>).</summary>
    End,
}

/// <summary>
/// Options of the <c>run</c> daemon (configuration section <c>Follow</c>, environment <c>MAILFLOW_FOLLOW__*</c>,
/// flags). Every default is stated on its property.
/// </summary>
public sealed class FollowOptions
{
    /// <summary>Files or globs to follow (e.g. <c>/var/log/mail.log*</c>). Required. Compressed files are skipped.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>The checkpoint file. Default <c>/var/lib/mailflow-exporter/checkpoint.json</c>, or <c>./mailflow-checkpoint.json</c> when that folder is not writable.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Log format name; detected per file when empty.</summary>
    public string? Format { get; set; }

    /// <summary>Where to start files that no checkpoint knows, on the first start. Default <see cref="StartPosition.Beginning"/>.</summary>
    public StartPosition StartAt { get; set; } = StartPosition.Beginning;

    /// <summary>How often files are checked for new lines, rotation and new names. Default 250 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often changed minutes are written (and the checkpoint saved). Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a minute stays open after the newest record time seen: records for it still add to its total.
    /// Records for older minutes are counted as late and not written. Default 15 min.
    /// </summary>
    public TimeSpan OpenWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A file that is no longer the newest of its glob (rotated) is closed after this long without growth. Default 10 s.</summary>
    public TimeSpan RotationGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a restart, bytes re-read before the checkpoint offset to rebuild the parser's session state (their
    /// records were already counted and are skipped). Default 4 MiB.
    /// </summary>
    public long ReplayBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bytes read per file per step; bounds memory and the time a step takes. Default 1 MiB.</summary>
    public int ChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>Chunks waiting for the writer before readers wait (back-pressure). Default 16.</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary>The checkpoint path to use.</summary>
    public string ResolveCheckpointPath()
    {
        if (!string.IsNullOrEmpty(CheckpointPath))
        {
            return CheckpointPath;
        }

        const string system = "/var/lib/mailflow-exporter";
        try
        {
            Directory.CreateDirectory(system);
            var probe = Path.Combine(system, ".probe");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return Path.Combine(system, "checkpoint.json");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Path.GetFullPath("mailflow-checkpoint.json");
        }
    }

    /// <summary>Problems that make these options unusable, as sentences naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Paths.Count == 0 || Paths.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("at least one file or glob to follow is required (arguments of 'run', or Follow:Paths / MAILFLOW_FOLLOW__PATHS__0)");
        }

        if (PollInterval <= TimeSpan.Zero || FlushInterval <= TimeSpan.Zero)
        {
            errors.Add("--poll-interval and --flush-interval must be positive");
        }

        if (OpenWindow < TimeSpan.FromMinutes(1))
        {
            errors.Add("--open-window must be at least one minute");
        }

        if (ChunkBytes < 64 * 1024 + 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--chunk-bytes must be more than the longest line accepted (65536), not {ChunkBytes}"));
        }

        if (QueueCapacity < 1 || ReplayBytes < 0)
        {
            errors.Add("--queue-capacity must be at least 1 and --replay-bytes not negative");
        }

        return errors;
    }
}
