namespace MailFlow.Exporter.Tests.Support;

/// <summary>Locates the repository, its fixtures and the shared real-log corpus.</summary>
public static class RepoPaths
{
    /// <summary>The repository root: the folder holding Observability.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A fixture copied beside the test assembly (tests/MailFlow.Exporter.Tests/Fixtures/...).</summary>
    public static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    /// <summary>A file of the shared corpus (../shared/corpus from the repo root). Fails clearly when it is missing.</summary>
    public static string Corpus(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([Root, "..", "shared", "corpus", .. parts]));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The shared corpus file {path} is missing: tests need ../shared/corpus beside the repository (see README).", path);
        }

        return path;
    }

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
