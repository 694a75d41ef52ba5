using System.Globalization;

namespace MailFlow.Simulator.Servers;

/// <summary>
/// EX01.example.com running Exchange Server with verbose protocol logging (samples/tools/make_samples.py):
/// SmtpReceive sessions (partners on a localised connector name, the relay and the internet on the Default
/// Frontend, SMTP AUTH clients on the Client Frontend, loopback health probes) and SmtpSend sessions, each carrying
/// one or more messages. UTC timestamps, as Exchange writes them.
/// </summary>
internal sealed class ExchangeServer(Emitter emit, Random random)
{
    public const string Server = "EX01";
    public const string Fqdn = "EX01.example.com";

    /// <summary>A partner connector whose localised name holds a comma, as some administrators name them.</summary>
    private const string PartnerConnector = Server + "\\Partenaires, entrant (TLS)";
    private const string FrontendConnector = Server + "\\Default Frontend " + Server;
    private const string ClientConnector = Server + "\\Client Frontend " + Server;
    private long _receiveId = 0x08DE2C0000000000;
    private long _sendId = 0x08DE2D0000000000;
    private long _internalId = 10000;

    public void Inbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var connector = party is Party.Contoso or Party.Fabrikam ? PartnerConnector : FrontendConnector;
        var session = NewReceive(connector, "10.0.0.5:25", $"{peer.Ip}:{random.Next(30000, 65000)}", t);
        var ehlo = Greet(session, peer.Host);
        StartTls(session, tls, peer.Host, ehlo, hyphen: party == Party.Fabrikam);

        // Partners and the relays batch several messages per session.
        var messages = party == Party.Internet ? random.Next(1, 3) : random.Next(1, 4);
        var sender = $"{(party == Party.Relay ? Organisation.User(random) : "info")}@{peer.Domain}";
        for (var i = 0; i < messages; i++)
        {
            var rejected = party == Party.Internet && random.NextDouble() < 0.15;
            Receive(session, sender, Enumerable.Range(0, random.Next(1, 3)).Select(_ => $"{Organisation.User(random)}@{Organisation.Domain}").ToArray(), peer.Host, rejected);
            if (!rejected)
            {
                emit.Tally.Count(LogFormat.Exchange, Direction.Inbound, party, tls);
            }
        }

        Close(session);
    }

    public void Submission(DateTimeOffset t)
    {
        var ip = $"10.20.{random.Next(1, 30)}.{random.Next(2, 250)}";
        var host = $"laptop-{random.Next(100, 1000)}";
        var session = NewReceive(ClientConnector, "10.0.0.5:587", $"{ip}:{random.Next(30000, 65000)}", t);
        var ehlo = Greet(session, host);
        var tls = random.NextDouble() < 0.2 ? Tls.Tls13 : Tls.Tls12;
        StartTls(session, tls, host, ehlo, hyphen: false);
        var user = Organisation.User(random);
        session.Add("<", "AUTH LOGIN");
        session.Add(">", "334 <authentication response>");
        session.Add("*", $"EXAMPLE\\{user}", "authenticated");
        session.Add(">", "235 2.7.0 Authentication successful");
        string[] domains = ["gmail.com", "contoso.com", "fabrikam.com", "outlook.com"];
        Receive(session, $"{user}@{Organisation.Domain}", [$"{Organisation.User(random)}@{domains[random.Next(domains.Length)]}"], host, rejected: false);
        emit.Tally.Count(LogFormat.Exchange, Direction.Submission, Party.Internet, tls);
        Close(session);
    }

    /// <summary>A managed-availability probe on loopback: not mail flow.</summary>
    public void Probe(DateTimeOffset t)
    {
        var session = NewReceive(FrontendConnector, "127.0.0.1:25", $"127.0.0.1:{random.Next(30000, 65000)}", t);
        var ehlo = Greet(session, Fqdn);
        StartTls(session, Tls.Tls12, Fqdn, ehlo, hyphen: false);
        Receive(session, $"HealthMailbox{random.Next(100, 1000)}@{Organisation.Domain}", [$"HealthMailbox{random.Next(100, 1000)}@{Organisation.Domain}"], Fqdn, rejected: false);
        Close(session);
    }

    public void Outbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var connector = party switch
        {
            Party.Contoso => "Outbound to Contoso",
            Party.Fabrikam => "Outbound to Fabrikam",
            Party.Relay => "To OnPrem Relay",
            _ => "Internet",
        };
        _sendId += random.Next(1, 40);
        var session = new Session(emit, LogStream.ExchangeSend, connector, _sendId.ToString("X16", CultureInfo.InvariantCulture), $"10.0.0.5:{random.Next(30000, 65000)}", $"{peer.Ip}:25", t);
        emit.Line(LogStream.ExchangeSend, t, $"{Iso(t)},{Csv(connector)},{session.Id},0,,{peer.Ip}:25,*,,attempting to connect");
        session.Sequence = 1;
        session.Add("+");
        session.Add("<", $"220 {peer.Host} ESMTP ready");
        session.Add(">", $"EHLO {Fqdn}");
        session.Add("<", $"250-{peer.Host} Hello [10.0.0.5]");
        session.Add("<", "250-PIPELINING");
        session.Add("<", "250-STARTTLS");
        session.Add("<", "250 CHUNKING");
        if (tls != Tls.None)
        {
            session.Add(">", "STARTTLS");
            session.Add("<", "220 2.0.0 Ready to start TLS");
            session.Add("*", "", Ciphers.Schannel(tls, "CLIENT", hyphen: party == Party.Fabrikam, host: peer.Host));
            session.Add(">", $"EHLO {Fqdn}");
            session.Add("<", $"250-{peer.Host} Hello [10.0.0.5]");
            session.Add("<", "250 CHUNKING");
        }

        var messages = random.Next(1, 4);
        for (var i = 0; i < messages; i++)
        {
            if (i > 0 && random.NextDouble() < 0.5)
            {
                session.Add(">", "RSET");
                session.Add("<", "250 2.0.0 Resetting");
            }

            var size = random.Next(2000, 120000);
            var recipients = Enumerable.Range(0, random.Next(1, 3)).Select(_ => $"{Organisation.User(random)}@{peer.Domain}").ToArray();
            session.Add(">", $"MAIL FROM:<{Organisation.User(random)}@{Organisation.Domain}> SIZE={size}");
            foreach (var recipient in recipients)
            {
                session.Add(">", $"RCPT TO:<{recipient}>");
            }

            if (party == Party.Fabrikam)
            {
                // Fabrikam's old server offers no CHUNKING: DATA and 354.
                session.Add(">", "DATA");
                session.Add("<", "250 2.1.0 Sender OK");
                foreach (var _ in recipients)
                {
                    session.Add("<", "250 2.1.5 Recipient OK");
                }

                session.Add("<", "354 Start mail input; end with \".\" on a line by itself");
            }
            else
            {
                session.Add(">", $"BDAT {size} LAST");
                session.Add("<", "250 2.1.0 Sender OK");
                foreach (var _ in recipients)
                {
                    session.Add("<", "250 2.1.5 Recipient OK");
                }
            }

            if (party == Party.Internet && random.NextDouble() < 0.1)
            {
                session.Add("<", "451 4.7.0 Temporary server error. Please try again later");
            }
            else
            {
                session.Add("<", $"250 2.0.0 Ok: queued as {random.NextInt64(1L << 40):X10}");
                emit.Tally.Count(LogFormat.Exchange, Direction.Outbound, party, tls);
            }
        }

        session.Add(">", "QUIT");
        session.Add("<", "221 2.0.0 Bye");
        session.Add("-", "", "Local");
    }

    /// <summary>The first lines of a protocol log file (after the BOM); Exchange writes them when it opens a file.</summary>
    public static string Header(LogStream stream, DateTimeOffset created) => string.Join("\r\n",
        "#Software: Microsoft Exchange Server",
        "#Version: 15.2.1544.4",
        $"#Log-type: {(stream == LogStream.ExchangeReceive ? "SMTP Receive Protocol Log" : "SMTP Send Protocol Log")}",
        $"#Date: {Iso(created)}",
        "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context");

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Csv(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : text;

    private Session NewReceive(string connector, string local, string remote, DateTimeOffset t)
    {
        _receiveId += random.Next(1, 40);
        return new Session(emit, LogStream.ExchangeReceive, connector, _receiveId.ToString("X16", CultureInfo.InvariantCulture), local, remote, t);
    }

    private static string Greet(Session session, string host)
    {
        session.Add("+");
        session.Add(">", $"220 {Fqdn} Microsoft ESMTP MAIL Service ready at {session.Time.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture)} +0000");
        session.Add("<", $"EHLO {host}");
        var reply = $"250  {Fqdn} Hello [{session.Remote[..session.Remote.LastIndexOf(':')]}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES "
            + "STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST";
        session.Add(">", reply);
        return reply;
    }

    private static void StartTls(Session session, Tls tls, string host, string ehloReply, bool hyphen)
    {
        if (tls == Tls.None)
        {
            return;
        }

        session.Add("<", "STARTTLS");
        session.Add(">", "220 2.0.0 SMTP server ready");
        session.Add("*", "", Ciphers.Schannel(tls, "SERVER", hyphen, host));
        session.Add("<", $"EHLO {host}");
        session.Add(">", ehloReply.Replace("STARTTLS ", "", StringComparison.Ordinal));
    }

    private void Receive(Session session, string sender, string[] recipients, string host, bool rejected)
    {
        var size = random.Next(2000, 90000);
        session.Add("<", $"MAIL FROM:<{sender}> SIZE={size}");
        foreach (var recipient in recipients)
        {
            session.Add("<", $"RCPT TO:<{recipient}>");
        }

        session.Add("<", $"BDAT {size} LAST");
        session.Add("*", $"{session.Id};{Iso(session.Time)};1", "receiving message");
        session.Add(">", "250 2.1.0 Sender OK");
        foreach (var _ in recipients)
        {
            session.Add(">", "250 2.1.5 Recipient OK");
        }

        _internalId++;
        session.Add(">", rejected
            ? "550 5.7.1 Message rejected as spam by Content Filtering."
            : string.Create(CultureInfo.InvariantCulture, $"250 2.6.0 <{random.Next(1_000_000_000)}@{host}> [InternalId={_internalId}, Hostname={Fqdn}] {size} bytes in {random.NextDouble():F3}, {50 + (random.NextDouble() * 850):F3} KB/sec Queued Mail for Delivery"));
    }

    private static void Close(Session session)
    {
        session.Add("<", "QUIT");
        session.Add(">", "221 2.0.0 Closing connection");
        session.Add("-", "", "Local");
    }

    /// <summary>The lines of one protocol-log session, 3 ms apart.</summary>
    private sealed class Session(Emitter emit, LogStream stream, string connector, string id, string local, string remote, DateTimeOffset start)
    {
        public string Id { get; } = id;

        public string Remote { get; } = remote;

        public DateTimeOffset Time { get; private set; } = start;

        public int Sequence { get; set; }

        public void Add(string @event, string data = "", string context = "")
        {
            Time = Time.AddMilliseconds(3);
            emit.Line(stream, Time, string.Create(CultureInfo.InvariantCulture,
                $"{Iso(Time)},{Csv(connector)},{Id},{Sequence},{local},{Remote},{@event},{Csv(data)},{Csv(context)}"));
            Sequence++;
        }
    }
}
