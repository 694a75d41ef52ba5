using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;

namespace MailFlow.Benchmarks;

/// <summary>
/// Streams one log file through the real <see cref="LineReader"/> and a format's parser, again and again from
/// memory (no disk I/O in the loop), on one thread, until at least <c>--min-bytes</c> were parsed; prints MB/s,
/// lines/s, records and the peak working set. Usage:
/// <c>throughput --format postfix --input mail.log [--min-bytes 1000000000]</c> (a .gz input is decompressed first).
/// </summary>
public static class ThroughputRunner
{
    public static int Run(string[] args)
    {
        string? formatName = null;
        string? input = null;
        long minBytes = 1_000_000_000;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--format":
                    formatName = value;
                    i++;
                    break;
                case "--input":
                    input = value;
                    i++;
                    break;
                case "--min-bytes":
                    if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out minBytes) || minBytes <= 0)
                    {
                        return Usage("--min-bytes needs a positive number");
                    }

                    i++;
                    break;
                default:
                    return Usage("unknown argument " + args[i]);
            }
        }

        if (formatName is null || input is null)
        {
            return Usage("--format and --input are required");
        }

        var format = LogFormats.Find(formatName);
        if (format is null)
        {
            return Usage($"unknown format {formatName} (known: {string.Join(", ", LogFormats.All.Select(f => f.Name))})");
        }

        if (!File.Exists(input))
        {
            return Usage("no such file: " + input);
        }

        var content = Load(input);
        var options = new ParseOptions { TimeZone = TimeZoneInfo.Utc, Year = 2023 };

        // One warm-up pass lets tiered compilation settle before timing.
        var warmup = new CountingSink();
        ParseOnce(content, format, options, warmup);

        var sink = new CountingSink();
        long bytes = 0;
        long lines = 0;
        var passes = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        while (bytes < minBytes)
        {
            var stats = ParseOnce(content, format, options, sink);
            bytes += stats.Bytes;
            lines += stats.Lines;
            passes++;
        }

        stopwatch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var seconds = stopwatch.Elapsed.TotalSeconds;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"format:            {format.Name}"));
        Console.WriteLine(string.Create(inv, $"input:             {input} ({content.Length:N0} bytes, {passes} passes)"));
        Console.WriteLine(string.Create(inv, $"parsed:            {bytes:N0} bytes, {lines:N0} lines in {seconds:F2} s (1 thread)"));
        Console.WriteLine(string.Create(inv, $"throughput:        {bytes / seconds / 1e6:F1} MB/s, {lines / seconds:N0} lines/s"));
        Console.WriteLine(string.Create(inv, $"records:           {sink.Records:N0} ({sink.Records / passes:N0} per pass), problems {sink.Problems:N0}"));
        Console.WriteLine(string.Create(inv, $"allocated:         {allocated / (double)passes / 1e6:F2} MB per pass ({allocated / (double)Math.Max(1, sink.Records):F0} bytes per record)"));
        Console.WriteLine(string.Create(inv, $"peak working set:  {process.PeakWorkingSet64 / 1e6:F1} MB (input held in memory: {content.Length / 1e6:F1} MB)"));
        return 0;
    }

    private static LineStats ParseOnce(byte[] content, ILogFormat format, ParseOptions options, CountingSink sink)
    {
        using var stream = new MemoryStream(content, writable: false);
        var context = new ParseContext("bench", sink, options);
        var parser = format.CreateParser(context);
        var reader = new LineReader(context, parser);
        reader.ReadToEnd(stream);
        parser.Complete();
        return reader.Stats;
    }

    private static byte[] Load(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return File.ReadAllBytes(path);
        }

        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int Usage(string error)
    {
        Console.Error.WriteLine("error: " + error);
        Console.Error.WriteLine("usage: throughput --format <name> --input <file> [--min-bytes <n>]");
        return 2;
    }
}
