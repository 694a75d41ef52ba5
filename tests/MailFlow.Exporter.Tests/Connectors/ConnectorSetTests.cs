using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Records;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Connectors;

public sealed class ConnectorSetTests
{
    private static readonly ConnectorSet Sample = ConnectorSet.Load(Path.Combine(RepoPaths.Root, "samples", "connectors.yaml"));

    private static MailRecord Record(Direction direction, string? host = null, string? ip = null, string? sender = null, string? recipient = null, string? service = null, string? connectorId = null) => new()
    {
        Timestamp = DateTimeOffset.UnixEpoch,
        Direction = direction,
        Tls = TlsVersion.Tls12,
        RemoteHost = host,
        RemoteIp = ip,
        SenderDomain = sender,
        RecipientDomain = recipient,
        Service = service,
        ConnectorId = connectorId,
        Recipients = 1,
    };

    [Fact]
    public void Classify_HostSubdomainAndIpInBlock_MatchesPartnerBothWays()
    {
        // Contoso requires both a contoso.com host and an address in 203.0.113.0/24 (AND across keys).
        var inbound = Sample.Classify(Record(Direction.Inbound, host: "mail.EU.contoso.com", ip: "203.0.113.77"));
        var outbound = Sample.Classify(Record(Direction.Outbound, host: "mx.contoso.com", ip: "203.0.113.10"));

        Assert.Equal(("Contoso", ConnectorType.Partner, true), (inbound.Name, inbound.Type, inbound.ForcedTls));
        Assert.Equal("Contoso", outbound.Name);
    }

    [Fact]
    public void Classify_HostMatchesButIpOutsideBlock_FallsBackToInternet()
    {
        var connector = Sample.Classify(Record(Direction.Inbound, host: "mail.contoso.com", ip: "192.0.2.1"));

        Assert.Equal(ConnectorTypes.InboundWithoutConnector, connector.Name);
        Assert.Equal(ConnectorType.Internet, connector.Type);
    }

    [Fact]
    public void Classify_LookalikeDomain_DoesNotMatch()
    {
        // "notcontoso.com" ends with "contoso.com" but is not a subdomain of it.
        var connector = Sample.Classify(Record(Direction.Inbound, host: "mail.notcontoso.com", ip: "203.0.113.5"));

        Assert.Equal(ConnectorTypes.InboundWithoutConnector, connector.Name);
    }

    [Fact]
    public void Classify_DirectionSpecificRules_PickTheRuleOfTheMessagesDirection()
    {
        Assert.Equal("Fabrikam", Sample.Classify(Record(Direction.Inbound, sender: "fabrikam.com")).Name);
        Assert.Equal("Fabrikam outbound", Sample.Classify(Record(Direction.Outbound, recipient: "sales.fabrikam.com")).Name);
        Assert.Equal(ConnectorTypes.OutboundWithoutConnector, Sample.Classify(Record(Direction.Outbound, sender: "fabrikam.com")).Name);
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.1.2.15", true)] // last address of 10.1.2.0/28
    [InlineData("10.1.2.16", false)]
    [InlineData("::ffff:10.1.2.3", true)] // IPv4-mapped IPv6 is the same host
    public void Classify_CidrBoundaries_AreExact(string ip, bool onPremises)
    {
        var connector = Sample.Classify(Record(Direction.Inbound, ip: ip));

        Assert.Equal(onPremises ? "On-premises relay" : ConnectorTypes.InboundWithoutConnector, connector.Name);
    }

    [Fact]
    public void Classify_Submission_IsAlwaysSmtpAuthClients()
    {
        var connector = Sample.Classify(Record(Direction.Submission, ip: "10.1.2.3"));

        Assert.Equal(ConnectorInfo.SubmissionClients, connector);
    }

    [Fact]
    public void Classify_ServicePrefixAndConnectorId_MatchCaseInsensitively()
    {
        var set = ConnectorSet.Parse("""
            connectors:
              - name: Relay via amavis
                type: OnPremises
                direction: inbound
                match: { services: ["postfix/10025/*"] }
              - name: Exchange partner
                type: Partner
                direction: inbound
                match: { connectorIds: ['EX01\Partner Contoso'] }
            """, "inline.yaml");

        Assert.Equal("Relay via amavis", set.Classify(Record(Direction.Inbound, service: "postfix/10025/smtpd")).Name);
        Assert.Equal("Exchange partner", set.Classify(Record(Direction.Inbound, connectorId: @"ex01\partner contoso")).Name);
    }

    // Two good connectors first (lines 1-9), so that the bad third one starts on line 10 and no expected line
    // equals the entry's number or a small constant by accident. The third entry's lines:
    // 10 "  - name: C" (or what replaces it), 11 type, 12 direction, 13 "match:", 14 "remoteIps:",
    // 15 "- 10.0.0.0/8", 16 the item under test, 17 an extra key.
    private const string TwoGood = "connectors:\n  - name: A\n    type: Partner\n    direction: inbound\n    match: { senderDomains: [a.com] }\n"
        + "  - name: B\n    type: Partner\n    direction: both\n    match: { senderDomains: [b.com] }\n";

    private static string Third(string name = "name: C", string type = "Partner", string direction = "inbound", string item = "10.1.0.0/16", string extra = "") =>
        TwoGood + $"  - {name}\n    type: {type}\n    direction: {direction}\n    match:\n      remoteIps:\n        - 10.0.0.0/8\n        - {item}\n{extra}";

    public static TheoryData<string, string> InvalidConnectors => new()
    {
        // The offending key's line.
        { Third(type: "Friend"), "bad.yaml:11: connector #3 'C': 'type' must be Partner or OnPremises (got 'Friend')" },
        { Third(direction: "sideways"), "bad.yaml:12: connector #3 'C': 'direction' must be inbound, outbound or both (got 'sideways')" },
        // The list item's own line.
        { Third(item: "300.1.1.1"), "bad.yaml:16: connector #3 'C': '300.1.1.1' in remoteIps is not an IP address or CIDR block" },
        { Third(item: "10.0.0.0/33"), "bad.yaml:16: connector #3 'C': '10.0.0.0/33' in remoteIps has a bad prefix length (0 to 32)" },
        // A missing key: the entry's first line ("- type: Partner" takes the place of "- name: C").
        { Third(name: "forcedTls: true"), "bad.yaml:10: connector #3: 'name' is required" },
        // Used twice: the second one's name.
        { Third(name: "name: b", direction: "both"), "bad.yaml:10: connector #3 'b': the name is used twice for the same direction" },
    };

    [Theory]
    [MemberData(nameof(InvalidConnectors))]
    public void Parse_InvalidConnector_NamesFileLineConnectorAndProblem(string yaml, string expected)
    {
        var error = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse(yaml, "bad.yaml"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyInThirdConnector_NamesItsLine()
    {
        // "colour" is line 17, after the third entry's match list.
        var error = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse(Third(extra: "    colour: blue\n"), "bad.yaml"));

        Assert.StartsWith("bad.yaml:17:", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingMatch_NamesTheEntryLine()
    {
        var error = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse(TwoGood + "  - name: C\n    type: Partner\n    direction: inbound\n", "bad.yaml"));

        Assert.StartsWith("bad.yaml:10: connector #3 'C': 'match' is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyOrBrokenYaml_ReportsTheLine()
    {
        var unknown = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse("connectors:\n  - name: A\n    colour: blue\n", "bad.yaml"));
        var broken = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse("connectors:\n  - name: [unclosed\n", "bad.yaml"));

        Assert.StartsWith("bad.yaml:3:", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("unknown key", unknown.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.yaml:", broken.Message, StringComparison.Ordinal);
    }

    [Theory]
    // forcedTls takes YAML's booleans only: "maybe" on line 17 is refused with its line.
    [InlineData("    forcedTls: maybe\n", "bad.yaml:17: 'forcedTls' must be true or false (got 'maybe')")]
    // An unknown key is refused by name even when its value is a mapping.
    [InlineData("    colour:\n      nested: [x]\n", "bad.yaml:17: unknown key 'colour'")]
    public void Parse_WrongShape_NamesTheLineAndWhatIsExpected(string extra, string expected)
    {
        var error = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse(Third(extra: extra), "bad.yaml"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RuleListGivenAsOneValue_SaysItMustBeAList()
    {
        var error = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Parse("connectors:\n  - name: A\n    type: Partner\n    direction: inbound\n    match:\n      senderDomains: a.com\n", "bad.yaml"));

        // "senderDomains: a.com" is line 6; its value starts there.
        Assert.StartsWith("bad.yaml:6: 'senderDomains' must be a list, e.g. [example.com]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlBooleansAndEmptyFile_ReadAsYamlSays()
    {
        var yes = ConnectorSet.Parse("connectors:\n  - name: A\n    type: Partner\n    direction: inbound\n    forcedTls: yes\n    match: { senderDomains: [a.com] }\n", "ok.yaml");
        var quotedFalse = ConnectorSet.Parse("connectors:\n  - name: A\n    type: Partner\n    direction: inbound\n    forcedTls: 'off'\n    match: { senderDomains: [a.com] }\n", "ok.yaml");

        Assert.True(Assert.Single(yes.Rules).Connector.ForcedTls);
        Assert.False(Assert.Single(quotedFalse.Rules).Connector.ForcedTls);
        Assert.Empty(ConnectorSet.Parse("# no connectors yet\n", "empty.yaml").Rules);
        Assert.Empty(ConnectorSet.Parse("connectors:\n", "empty.yaml").Rules);
    }

    [Fact]
    public void Load_MissingFile_SaysItCannotRead()
    {
        var error = Assert.Throws<ConnectorConfigException>(() => ConnectorSet.Load("/nonexistent/connectors.yaml"));

        Assert.Contains("/nonexistent/connectors.yaml: cannot read", error.Message, StringComparison.Ordinal);
    }
}
