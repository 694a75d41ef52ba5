using System.Diagnostics;
using System.Globalization;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Pipeline;

namespace MailFlow.Benchmarks;

/// <summary>
/// The whole report pipeline as the CLI runs it (open, detect, parse, correlate, classify connectors, aggregate,
/// merge) over N copies of a log file on disk, with 1 and then all cores. Prints MB/s per run, the speed-up, and
/// the peak working set after each size so that flat memory shows. Usage:
/// <c>pipeline --input mail.log [--copies 104] [--connectors samples/connectors.yaml]</c>.
/// </summary>
public static class PipelineRunner
{
    public static int Run(string[] args)
    {
        string? input = null;
        string? connectors = null;
        var copies = 104;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--input":
                    input = args[i + 1];
                    break;
                case "--connectors":
                    connectors = args[i + 1];
                    break;
                case "--copies":
                    copies = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine("usage: pipeline --input <file> [--copies N] [--connectors <yaml>]");
                    return 2;
            }
        }

        if (input is null || !File.Exists(input))
        {
            Console.Error.WriteLine("usage: pipeline --input <file> [--copies N] [--connectors <yaml>]");
            return 2;
        }

        var classifier = connectors is null ? ConnectorSet.Empty : ConnectorSet.Load(connectors);
        var dir = Directory.CreateTempSubdirectory("mailflow-pipeline-bench-").FullName;
        try
        {
            var files = new List<InputSource>();
            for (var i = 0; i < copies; i++)
            {
                var path = Path.Combine(dir, $"mail-{i:D4}.log");
                File.Copy(input, path);
                files.Add(new InputSource(path));
            }

            var inv = CultureInfo.InvariantCulture;
            var bytes = files.Sum(f => f.Length ?? 0);
            Console.WriteLine(string.Create(inv, $"input: {copies} copies of {input}, {bytes / 1e6:F0} MB in all, {Environment.ProcessorCount} cores"));
            Measure(files.Take(1).ToList(), classifier, 1, "1 copy, 1 thread (warm-up)");
            double? single = null;
            foreach (var threads in new[] { 1, Environment.ProcessorCount }.Distinct())
            {
                var seconds = Measure(files, classifier, threads, $"{copies} copies, {threads} thread(s)");
                single ??= seconds;
                if (threads > 1)
                {
                    Console.WriteLine(string.Create(inv, $"speed-up with {threads} threads: {single / seconds:F2}x"));
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Measure(IReadOnlyList<InputSource> files, IConnectorClassifier classifier, int threads, string label)
    {
        GC.Collect();
        var bytes = files.Sum(f => f.Length ?? 0);
        var settings = new BatchSettings
        {
            Classifier = classifier,
            Bucket = TimeSpan.FromMinutes(1),
            Parallelism = threads,
            ParseOptions = new() { TimeZone = TimeZoneInfo.Utc },
        };
        var stopwatch = Stopwatch.StartNew();
        var result = LogBatch.Run(files, settings);
        stopwatch.Stop();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-32} {bytes / seconds / 1e6,8:F1} MB/s  {seconds,7:F2} s  {result.Aggregate.Records,10:N0} messages  {result.Aggregate.Series.Count(),8:N0} minute points  peak working set {process.PeakWorkingSet64 / 1e6:F0} MB"));
        return seconds;
    }
}
