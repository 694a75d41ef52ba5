using MailFlow.Backend.Hosting;

namespace MailFlow.Backend.Tests.Api;

/// <summary><c>mailflow-backend serve</c> refuses unsafe or broken options before listening.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("serve", "--listen", "0.0.0.0:0")]
    [InlineData("serve", "--listen", "not-an-endpoint")]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--influx-url", "ftp://db")]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--api-key-file", "/nonexistent/key")]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/cert.pem")]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--cache-ttl", "-1")]
    public async Task Serve_BadOptions_ExitCode2(params string[] args)
    {
        Assert.Equal(2, await BackendCommandLine.RunAsync(args));
    }
}
