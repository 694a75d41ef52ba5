using MailFlow.Exporter.Cli;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Influx;

public sealed class RunConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Run_NoPathsAndBadWindow_ExitsWithEveryProblemNamed()
    {
        var result = ExporterProcess.Run(["run", "--open-window", "00:00:10"], workingDirectory: _directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("at least one file or glob to follow is required", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("--open-window must be at least one minute", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnreadableTimeSpan_SaysWhichSettingIsWrong()
    {
        var result = ExporterProcess.Run(["run", "mail.log", "--flush-interval", "soon"], workingDirectory: _directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("FlushInterval", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("soon", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_YamlFileThenFlags_FlagsWinAndListsBecomeIndexedKeys()
    {
        var yaml = Path.Combine(_directory, "exporter.yaml");
        File.WriteAllText(yaml, """
            # Influx and Follow sections, as documented in the README.
            Influx:
              Url: http://influx.example:8086
              Database: fromyaml
            Follow:
              Paths:
                - /var/log/mail.log
                - /var/log/exim4/mainlog
              OpenWindow: "00:30:00"
            """);

        var configuration = ExporterConfiguration.Build(yaml, new Dictionary<string, string?> { ["Influx:Database"] = "fromflag" });

        Assert.Equal("http://influx.example:8086", configuration["Influx:Url"]);
        Assert.Equal("fromflag", configuration["Influx:Database"]);
        Assert.Equal("/var/log/exim4/mainlog", configuration["Follow:Paths:1"]);
        var influx = InfluxCliOptions.Bind(configuration, null);
        Assert.Equal("fromflag", influx.Database);
    }

    [Fact]
    public void Build_BrokenYaml_NamesTheFileAndLine()
    {
        var yaml = Path.Combine(_directory, "broken.yaml");
        File.WriteAllText(yaml, "Influx:\n  Url: [unclosed\n");

        var error = Assert.Throws<CliError>(() => ExporterConfiguration.Build(yaml, new Dictionary<string, string?>()));

        Assert.Contains("broken.yaml line", error.Message, StringComparison.Ordinal);
    }
}
