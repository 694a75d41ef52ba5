using System.Diagnostics;

namespace MailFlow.Benchmarks;

/// <summary>Locates the Postfix corpus (tests/corpus) for benchmarks.</summary>
public static class CorpusFile
{
    /// <summary>A decompressed copy of the Postfix corpus: <c>MAILFLOW_POSTFIX_LOG</c>, or tests/corpus decompressed to the temp folder.</summary>
    public static string Postfix()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MAILFLOW_POSTFIX_LOG");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        var target = Path.Combine(Path.GetTempPath(), "mailflow-corpus-pixelpark-2023-03.mail.log");
        if (File.Exists(target) && new FileInfo(target).Length > 9_000_000)
        {
            return target;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var xz = Path.Combine(dir.FullName, "tests", "corpus", "postfix", "pixelpark-2023-03.mail.log.xz");
            if (File.Exists(Path.Combine(dir.FullName, "Observability.sln")) && File.Exists(xz))
            {
                var temp = target + "." + Environment.ProcessId + ".tmp";
                using (var process = Process.Start(new ProcessStartInfo("xz", ["-dc", xz]) { RedirectStandardOutput = true })!)
                using (var output = File.Create(temp))
                {
                    process.StandardOutput.BaseStream.CopyTo(output);
                    process.WaitForExit();
                }

                File.Move(temp, target, overwrite: true);
                return target;
            }
        }

        throw new FileNotFoundException("Postfix corpus not found: set MAILFLOW_POSTFIX_LOG or check that tests/corpus is in the clone.");
    }
}
