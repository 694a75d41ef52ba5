using System.Globalization;

namespace MailFlow.Simulator.Servers;

/// <summary>
/// mx1.example.com running Postfix with amavis (samples/tools/make_postfix_sendmail_samples.py): smtpd sessions with
/// their TLS summary, the content-filter round trip on loopback (not mail flow), SMTP AUTH on the submission
/// service, and smtp deliveries with their TLS summary. RFC 3339 timestamps in the simulated zone.
/// </summary>
internal sealed class PostfixServer(Emitter emit, Random random)
{
    private const string QueueIdCharacters = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    private int _pid = 20000;

    public void Inbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var sender = $"{(party == Party.Relay ? Organisation.User(random) : "news" + random.Next(1, 10).ToString(CultureInfo.InvariantCulture))}@{peer.Domain}";
        Receive(t, "postfix/smtpd", peer.Host, peer.Ip, tls, sender, sasl: null);
        emit.Tally.Count(LogFormat.Postfix, Direction.Inbound, party, tls);
    }

    /// <summary>An SMTP AUTH submission, then its delivery to an internet server: two messages crossing the boundary.</summary>
    public void Submission(DateTimeOffset t, Peer recipient)
    {
        var user = Organisation.User(random);
        var tls = random.NextDouble() < 0.1 ? Tls.Tls12 : Tls.Tls13;
        var queueId = Receive(t, "postfix/submission/smtpd", $"laptop-{random.Next(100, 1000)}.{Organisation.Domain}", $"10.20.{random.Next(1, 30)}.{random.Next(2, 250)}",
            tls, $"{user}@{Organisation.Domain}", sasl: $"{user}@{Organisation.Domain}");
        emit.Tally.Count(LogFormat.Postfix, Direction.Submission, Party.Internet, tls);
        Deliver(t.AddSeconds(1), queueId, 1, recipient, Party.Internet, recipient.Tls);
    }

    public void Outbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var queueId = QueueId();
        var recipients = random.Next(1, 4);
        Log(t, "postfix/qmgr", 3000, $"{queueId}: from=<{Organisation.User(random)}@{Organisation.Domain}>, size={random.Next(2000, 50000)}, nrcpt={recipients} (queue active)");
        Deliver(t, queueId, recipients, peer, party, tls);
    }

    private void Deliver(DateTimeOffset t, string queueId, int recipients, Peer peer, Party party, Tls tls)
    {
        var pid = NextPid();
        if (tls != Tls.None)
        {
            Log(t.AddMilliseconds(200), "postfix/smtp", pid,
                $"{Ciphers.PostfixTrust(peer.Host, outbound: true)} TLS connection established to {peer.Host}[{peer.Ip}]:25: {Ciphers.OpenSslVersion(tls)} with cipher {Ciphers.OpenSslCipher(tls, peer.Host).Cipher} ({Ciphers.OpenSslCipher(tls, peer.Host).Bits} bits)");
        }

        for (var i = 0; i < recipients; i++)
        {
            Log(t.AddMilliseconds(500 + i), "postfix/smtp", pid,
                $"{queueId}: to=<{Organisation.Users[i]}@{peer.Domain}>, relay={peer.Host}[{peer.Ip}]:25, delay=0.6, delays=0.1/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 OK)");
        }

        Log(t.AddMilliseconds(700), "postfix/qmgr", 3000, $"{queueId}: removed");
        emit.Tally.Count(LogFormat.Postfix, Direction.Outbound, party, tls);
    }

    /// <summary>
    /// A deferred delivery, not mail flow: a timeout, or, chosen by peer (no random draw), a TLS policy that stops it:
    /// the plaintext-only server does not offer TLS, oldbank's certificate does not verify.
    /// </summary>
    public void Deferred(DateTimeOffset t, Peer peer)
    {
        var queueId = QueueId();
        Log(t, "postfix/qmgr", 3000, $"{queueId}: from=<{Organisation.User(random)}@{Organisation.Domain}>, size={random.Next(2000, 50000)}, nrcpt=1 (queue active)");
        var (relay, dsn, reason) = peer switch
        {
            { Tls: Tls.None } => ($"{peer.Host}[{peer.Ip}]:25", "4.7.4", $"TLS is required, but was not offered by host {peer.Host}[{peer.Ip}]"),
            { Host: Ciphers.WeakCipherHost } => ($"{peer.Host}[{peer.Ip}]:25", "4.7.5", "Server certificate not verified"),
            _ => ("none", "4.4.1", $"connect to {peer.Host}[{peer.Ip}]:25: Connection timed out"),
        };
        Log(t.AddSeconds(30), "postfix/smtp", NextPid(),
            $"{queueId}: to=<{Organisation.User(random)}@{peer.Domain}>, relay={relay}, delay=30, delays=0.1/0/30/0, dsn={dsn}, status=deferred ({reason})");
    }

    private string Receive(DateTimeOffset t, string service, string host, string ip, Tls tls, string sender, string? sasl)
    {
        var pid = NextPid();
        var queueId = QueueId();
        var user = Organisation.User(random);
        Log(t, service, pid, $"connect from {host}[{ip}]");
        if (tls != Tls.None)
        {
            Log(t.AddMilliseconds(80), service, pid,
                $"{Ciphers.PostfixTrust(host, outbound: false)} TLS connection established from {host}[{ip}]: {Ciphers.OpenSslVersion(tls)} with cipher {Ciphers.OpenSslCipher(tls, host).Cipher} ({Ciphers.OpenSslCipher(tls, host).Bits} bits)");
        }

        Log(t.AddMilliseconds(300), service, pid, $"{queueId}: client={host}[{ip}]" + (sasl is null ? "" : $", sasl_method=PLAIN, sasl_username={sasl}"));
        Log(t.AddMilliseconds(400), "postfix/cleanup", 3001, $"{queueId}: message-id=<{queueId}@{sender[(sender.IndexOf('@', StringComparison.Ordinal) + 1)..]}>");
        Log(t.AddMilliseconds(450), "postfix/qmgr", 3000, $"{queueId}: from=<{sender}>, size={random.Next(2000, 90000)}, nrcpt=1 (queue active)");
        Log(t.AddMilliseconds(600), service, pid,
            $"disconnect from {host}[{ip}] ehlo=2{(tls != Tls.None ? " starttls=1" : "")} mail=1 rcpt=1 data=1 quit=1 commands={(tls != Tls.None ? 6 : 5)}");
        if (sasl is not null)
        {
            return queueId;
        }

        // The amavis round trip on loopback and the local delivery: not mail flow.
        Log(t.AddSeconds(1), "postfix/smtp", 3100,
            $"{queueId}: to=<{user}@{Organisation.Domain}>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0.4/0/0/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok, id=1234-01, from MTA([127.0.0.1]:10025): 250 2.0.0 Ok: queued as {queueId}X)");
        Log(t.AddMilliseconds(1100), "postfix/10025/smtpd", 3200, $"{queueId}X: client=localhost[127.0.0.1]");
        Log(t.AddMilliseconds(1300), "postfix/lmtp", 3300,
            $"{queueId}X: to=<{user}@{Organisation.Domain}>, relay=mail.{Organisation.Domain}[private/dovecot-lmtp], delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Saved)");
        Log(t.AddMilliseconds(1400), "postfix/qmgr", 3000, $"{queueId}: removed");
        return queueId;
    }

    private void Log(DateTimeOffset t, string program, int pid, string text) =>
        emit.Line(LogStream.Postfix, t, $"{emit.Local(t).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture)} mx1 {program}[{pid.ToString(CultureInfo.InvariantCulture)}]: {text}");

    private int NextPid()
    {
        _pid = _pid >= 99000 ? 20001 : _pid + 1;
        return _pid;
    }

    private string QueueId() => "4" + new string(Enumerable.Range(0, 11).Select(_ => QueueIdCharacters[random.Next(QueueIdCharacters.Length)]).ToArray());
}
