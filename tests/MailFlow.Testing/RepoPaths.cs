namespace MailFlow.Testing;

/// <summary>Locates the repository and the real-log corpus kept in it (tests/corpus).</summary>
public static class RepoPaths
{
    /// <summary>The repository root: the folder holding Observability.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A file of the real-log corpus (tests/corpus in the repository). Fails clearly when it is missing.</summary>
    public static string Corpus(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([Root, "tests", "corpus", .. parts]));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The corpus file {path} is missing from the repository (tests/corpus, see its README).", path);
        }

        return path;
    }

    /// <summary>The real Postfix log of the corpus (xz-compressed).</summary>
    public static string PostfixCorpusXz => Corpus("postfix", "pixelpark-2023-03.mail.log.xz");

    /// <summary>The Postfix corpus decompressed once into a temp file (xz is not read natively).</summary>
    public static string PostfixCorpus => LazyPostfix.Value;

    private static readonly Lazy<string> LazyPostfix = new(() =>
    {
        var target = Path.Combine(Path.GetTempPath(), "mailflow-corpus-pixelpark-2023-03.mail.log");
        if (!File.Exists(target) || new FileInfo(target).Length < 9_000_000)
        {
            var temp = target + "." + Environment.ProcessId + ".tmp";
            using (var xz = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("xz", ["-dc", PostfixCorpusXz]) { RedirectStandardOutput = true })!)
            using (var output = File.Create(temp))
            {
                xz.StandardOutput.BaseStream.CopyTo(output);
                xz.WaitForExit();
                if (xz.ExitCode != 0)
                {
                    throw new InvalidOperationException("xz -dc failed on " + PostfixCorpusXz);
                }
            }

            File.Move(temp, target, overwrite: true);
        }

        return target;
    });

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Observability.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Observability.sln not found above " + AppContext.BaseDirectory);
    }
}
