using MailFlow.Backend.Api;
using MailFlow.Contracts.Vocabulary;
using V1 = MailFlow.Api.V1;

namespace MailFlow.Backend.Tests.Api;

/// <summary>The API enums and the vocabulary enums name the same things.</summary>
public sealed class ApiMappingTests
{
    [Fact]
    public void Enums_EveryValue_RoundTripsWithSameName()
    {
        foreach (var direction in Directions.All)
        {
            var api = ApiMapping.ToApi(direction);
            Assert.Equal(direction.ToString(), api.ToString());
            Assert.Equal(direction, ApiMapping.ToDirection(api));
        }

        foreach (var type in ConnectorTypes.All)
        {
            var api = ApiMapping.ToApi(type);
            Assert.Equal(type.ToString(), api.ToString());
            Assert.Equal(type, ApiMapping.ToConnectorType(api));
        }

        foreach (var tls in TlsVersions.All)
        {
            var api = ApiMapping.ToApi(tls);
            Assert.Equal(tls.ToString(), api.ToString());
            Assert.Equal(tls, ApiMapping.ToTls(api));
        }

        Assert.Equal(Enum.GetValues<V1.TlsVersion>().Length - 1, TlsVersions.All.Count);
        Assert.Equal(Enum.GetValues<V1.Direction>().Length - 1, Directions.All.Count);
        Assert.Equal(Enum.GetValues<V1.ConnectorType>().Length - 1, ConnectorTypes.All.Count);
    }

    [Fact]
    public void SecurityInsightKinds_EveryValue_MapsToTheApiValueOfTheSameName()
    {
        var kinds = Enum.GetValues<MailFlow.Questions.SecurityInsightKind>();
        Assert.Equal(Enum.GetValues<V1.SecurityInsightKind>().Length - 1, kinds.Length);
        foreach (var kind in kinds)
        {
            Assert.Equal(kind.ToString(), ApiMapping.ToApi(kind).ToString());
        }
    }
}
