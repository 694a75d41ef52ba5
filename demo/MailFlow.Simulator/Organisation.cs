namespace MailFlow.Simulator;

/// <summary>A remote mail server: host name, address, mail domain and the TLS version it always negotiates.</summary>
internal sealed record Peer(string Host, string Ip, string Domain, Tls Tls, int Weight = 1);

/// <summary>TLS as the simulated session negotiated it.</summary>
internal enum Tls
{
    None,
    Tls10,
    Tls11,
    Tls12,
    Tls13,

    /// <summary>TLS whose version the log does not name (Sendmail's "TLSv1/SSLv3" cipher family).</summary>
    Unknown,
}

/// <summary>Who the remote side of a message is, which decides its connector in samples/connectors.yaml.</summary>
internal enum Party
{
    Contoso,
    Fabrikam,
    Relay,
    Internet,
}

/// <summary>
/// The sample organisation example.com of samples/connectors.yaml and samples/tools/*.py: partner Contoso on TLS 1.2
/// both ways, partner Fabrikam still on TLS 1.0, the on-premises relays 10.1.2.x (TLS 1.2, now and then plaintext
/// although their connector requires TLS), internet servers each on its own TLS version (some in plaintext), and
/// users submitting with SMTP AUTH.
/// </summary>
internal static class Organisation
{
    public const string Domain = "example.com";

    public static readonly Peer Contoso = new("mail.contoso.com", "203.0.113.10", "contoso.com", Tls.Tls12);
    public static readonly Peer Fabrikam = new("mx.fabrikam.com", "198.51.100.20", "fabrikam.com", Tls.Tls10);

    /// <summary>The on-premises relays (10.1.2.0/28 in the connectors file); mail from them is internal.</summary>
    public static readonly Peer[] Relays =
    [
        new("relay.corp.example", "10.1.2.3", Domain, Tls.Tls12, 3),
        new("relay2.corp.example", "10.1.2.4", Domain, Tls.Tls12, 1),
    ];

    /// <summary>Share of the relays' messages sent in plaintext (a Forced TLS breach the Connector report flags).</summary>
    public const double RelayPlaintextShare = 0.04;

    public static readonly Peer[] InternetSenders =
    [
        new("mail-ej1-f41.google.com", "209.85.218.41", "gmail.com", Tls.Tls13, 8),
        new("mout.gmx.net", "212.227.17.21", "gmx.de", Tls.Tls13, 4),
        new("smtp.mailbox.org", "80.241.60.212", "mailbox.org", Tls.Tls12, 3),
        new("mail.northwindtraders.example", "192.0.2.11", "northwindtraders.example", Tls.Tls12, 3),
        new("mx1.tailspintoys.example", "192.0.2.23", "tailspintoys.example", Tls.Tls13, 2),
        new("smtp.wingtiptoys.example", "192.0.2.37", "wingtiptoys.example", Tls.Tls12, 2),
        new("out.litware.example", "192.0.2.45", "litware.example", Tls.Tls11, 1),
        new("mx.oldbank.example", "192.0.2.80", "oldbank.example", Tls.Tls11, 1),
        new("relay.fourthcoffee.example", "198.51.100.91", "fourthcoffee.example", Tls.Tls10, 1),
        new("mail.nistoresio.co.cz", "185.31.160.120", "nistoresio.co.cz", Tls.None, 2),
        new("smtp.plainpost.example", "192.0.2.66", "plainpost.example", Tls.None, 1),
    ];

    public static readonly Peer[] InternetReceivers =
    [
        new("gmail-smtp-in.l.google.com", "142.250.27.26", "gmail.com", Tls.Tls13, 8),
        new("mx01.emig.gmx.net", "212.227.17.5", "gmx.de", Tls.Tls13, 3),
        new("mx.northwindtraders.example", "192.0.2.12", "northwindtraders.example", Tls.Tls12, 3),
        new("mx.tailspintoys.example", "192.0.2.24", "tailspintoys.example", Tls.Tls12, 2),
        new("mx.oldbank.example", "192.0.2.80", "oldbank.example", Tls.Tls11, 1),
        new("mail.plainpost.example", "192.0.2.67", "plainpost.example", Tls.None, 1),
    ];

    /// <summary>Sendmail only: an old peer whose OpenSSL logs "TLSv1/SSLv3", a cipher family and no version.</summary>
    public static readonly Peer LegacySendmailPeer = new("legacy.partner.example", "192.0.2.99", "partner.example", Tls.Unknown);

    public static readonly string[] Users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

    /// <summary>The connector samples/connectors.yaml gives such a message (worked out from its rules, not by the exporter).</summary>
    public static string ConnectorOf(Direction direction, Party party) => (direction, party) switch
    {
        (Direction.Submission, _) => "SMTP Auth clients",
        (_, Party.Contoso) => "Contoso",
        (Direction.Inbound, Party.Fabrikam) => "Fabrikam",
        (Direction.Outbound, Party.Fabrikam) => "Fabrikam outbound",
        (_, Party.Relay) => "On-premises relay",
        (Direction.Inbound, Party.Internet) => "From the internet without a connector",
        _ => "To the internet without a connector",
    };

    public static T Pick<T>(Random random, IReadOnlyList<T> items, Func<T, int> weight)
    {
        var total = items.Sum(weight);
        var draw = random.Next(total);
        foreach (var item in items)
        {
            draw -= weight(item);
            if (draw < 0)
            {
                return item;
            }
        }

        return items[^1];
    }

    public static Peer PickPeer(Random random, IReadOnlyList<Peer> peers) => Pick(random, peers, p => p.Weight);

    public static string User(Random random) => Users[random.Next(Users.Length)];
}

/// <summary>Direction of a message across the organisation's boundary, spelled as the exporter reports it.</summary>
internal enum Direction
{
    Inbound,
    Outbound,
    Submission,
}
