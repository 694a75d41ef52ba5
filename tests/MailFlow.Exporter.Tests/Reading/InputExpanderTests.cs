using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Tests.Reading;

public sealed class InputExpanderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailflow-inputs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x\n");
        return path;
    }

    [Fact]
    public void Expand_Directory_ReadsRotationsOldestFirstAndSkipsHidden()
    {
        Touch("mail.log");
        Touch("mail.log.1");
        Touch("mail.log.2.gz");
        Touch("mail.log.10.gz");
        Touch(".hidden.log");
        Touch(".git/config");

        var (inputs, errors) = InputExpander.Expand([_dir]);

        Assert.Empty(errors);
        Assert.Equal(["mail.log.10.gz", "mail.log.2.gz", "mail.log.1", "mail.log"], inputs.Select(i => Path.GetFileName(i.Path)));
    }

    [Fact]
    public void Expand_GlobAndDuplicates_MatchOnceEach()
    {
        var a = Touch("logs/a.log");
        Touch("logs/b.txt");

        var (inputs, errors) = InputExpander.Expand([Path.Combine(_dir, "logs", "*.log"), a]);

        Assert.Empty(errors);
        Assert.Equal([a], inputs.Select(i => Path.GetFullPath(i.Path)));
    }

    [Fact]
    public void Expand_NothingMatches_SaysWhich()
    {
        var (inputs, errors) = InputExpander.Expand([Path.Combine(_dir, "none", "*.log"), Path.Combine(_dir, "absent.log")]);

        Assert.Empty(inputs);
        Assert.Equal(2, errors.Count);
        Assert.EndsWith("matched no file", errors[0], StringComparison.Ordinal);
        Assert.EndsWith("no such file or directory", errors[1], StringComparison.Ordinal);
    }
}
