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

    /// <summary>
    /// The exporter program (<c>mailflow-exporter.dll</c>) in its own project's build output, to run with
    /// <c>dotnet</c>. Not the copy beside the tests: a test project with the ASP.NET Core framework (the OTLP
    /// receiver) does not copy the Microsoft.Extensions assemblies that the program, on .NET alone, needs.
    /// </summary>
    public static string ExporterProgram => BuiltProgram(Path.Combine("exporter", "MailFlow.Exporter"), "mailflow-exporter.dll");

    /// <summary>The live demo's simulator (<c>mailflow-simulator.dll</c>) in its own project's build output.</summary>
    public static string SimulatorProgram => BuiltProgram(Path.Combine("demo", "MailFlow.Simulator"), "mailflow-simulator.dll");

    /// <summary>The backend program (<c>mailflow-backend.dll</c>) in its own project's build output.</summary>
    public static string BackendProgram => BuiltProgram(Path.Combine("grafana-backend", "MailFlow.Backend"), "mailflow-backend.dll");

    /// <summary>bin/&lt;configuration&gt;/&lt;framework&gt;/ of the tests: the referenced programs were built with the same two.</summary>
    private static string BuiltProgram(string project, string file)
    {
        var tests = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(Root, project, "bin", tests.Parent!.Name, tests.Name, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built: build the test project (it references {project}).", path);
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
