namespace MailFlow.Exporter.Tests.Support;

/// <summary>Fixture files copied beside the test assembly (tests/MailFlow.Exporter.Tests/Fixtures/...).</summary>
public static class Fixtures
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);
}
