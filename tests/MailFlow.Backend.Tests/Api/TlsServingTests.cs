using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using MailFlow.Api.V1;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Tests.Support;
using Microsoft.Extensions.Logging;

namespace MailFlow.Backend.Tests.Api;

/// <summary>--tls-cert/--tls-key: the server speaks TLS with the given PEM pair, and a client trusting it gets answers.</summary>
[Collection(ConnectorCollection.Name)]
public sealed class TlsServingTests(ConnectorFixture fixture) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-tls-").FullName;

    [Fact]
    public async Task PemCertificate_ClientTrustingIt_Answers()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_directory, "server.crt");
        var keyPath = Path.Combine(_directory, "server.key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        var app = BackendServer.Build(
            new ServeOptions { Listen = "127.0.0.1:0", TlsCertPath = certPath, TlsKeyPath = keyPath, Influx = fixture.Options },
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        try
        {
            var address = BackendServer.BoundAddress(app);
            var thumbprint = certificate.Thumbprint;
            using var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented is X509Certificate2 c && c.Thumbprint == thumbprint;
            using var channel = GrpcChannel.ForAddress(new UriBuilder(address) { Scheme = "https" }.Uri, new GrpcChannelOptions { HttpHandler = handler });
            var client = new MailFlowInsights.MailFlowInsightsClient(channel);

            var response = await client.ListConnectorsAsync(new ListConnectorsRequest
            {
                Filter = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(2)) },
            });

            Assert.StartsWith("https://", address.ToString(), StringComparison.Ordinal);
            Assert.Equal(6, response.Connectors.Count);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void CertWithoutKey_Refused()
    {
        var options = new ServeOptions { Listen = "127.0.0.1:0", TlsCertPath = "/nonexistent.crt", Influx = fixture.Options };

        var problems = options.Problems();

        Assert.Contains(problems, p => p.Contains("both --tls-cert and --tls-key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("file not found", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
