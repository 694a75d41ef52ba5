using System.Globalization;

namespace MailFlow.Simulator.Servers;

/// <summary>
/// An Exim 4 server of example.com (samples/tools/make_samples.py): <c>&lt;=</c> arrivals by SMTP (with X= when
/// TLS protected them), SMTP AUTH submissions (P=esmtpsa, A=), local arrivals delivered to remote hosts
/// (<c>=&gt;</c>, <c>-&gt;</c>), deferrals (<c>==</c>, no delivery). Local time of the simulated zone.
/// </summary>
internal sealed class EximServer(Emitter emit, Random random)
{
    private int _counter;

    public void Inbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var id = MessageId();
        var sender = $"{(party == Party.Relay ? Organisation.User(random) : "info")}@{peer.Domain}";
        Log(t, $"SMTP connection from {peer.Host} [{peer.Ip}]:{random.Next(30000, 65000)} (TCP/IP connection count = 1)");
        Log(t, $"{id} <= {sender} H={peer.Host} [{peer.Ip}]:{random.Next(30000, 65000)} P={(tls != Tls.None ? "esmtps" : "esmtp")}"
            + (tls != Tls.None ? $" X={Ciphers.Exim(tls, peer.Host)}{Ciphers.EximCertificate(peer.Host, delivery: false)}" : "") + $" S={random.Next(1500, 80000)} id={random.Next(1_000_000_000)}@{peer.Host}");
        var user = Organisation.User(random);
        Log(t, $"{id} => {user} <{user}@{Organisation.Domain}> R=local_user T=mail_spool");
        Log(t.AddSeconds(1), $"{id} Completed");
        emit.Tally.Count(LogFormat.Exim, Direction.Inbound, party, tls);
    }

    /// <summary>A message written on the server itself (P=local, not mail flow) and delivered to a remote host.</summary>
    public void Outbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var id = MessageId();
        var user = Organisation.User(random);
        Log(t, $"{id} <= {user}@{Organisation.Domain} U={user} P=local S={random.Next(1500, 80000)}");
        Deliver(t.AddSeconds(1), id, peer, party, tls);
        Log(t.AddSeconds(1), $"{id} Completed");
    }

    /// <summary>An SMTP AUTH submission, then its delivery to an internet server: two messages crossing the boundary.</summary>
    public void Submission(DateTimeOffset t, Peer recipient)
    {
        var id = MessageId();
        var user = Organisation.User(random);
        Log(t, $"{id} <= {user}@{Organisation.Domain} H=(laptop-{random.Next(100, 1000)}) [10.20.{random.Next(1, 30)}.{random.Next(2, 250)}]:{random.Next(30000, 65000)} "
            + $"P=esmtpsa X={Ciphers.Exim(Tls.Tls13)} CV=no A=dovecot_plain:{user} S={random.Next(1500, 80000)}");
        emit.Tally.Count(LogFormat.Exim, Direction.Submission, Party.Internet, Tls.Tls13);
        Deliver(t.AddSeconds(1), id, recipient, Party.Internet, recipient.Tls);
        Log(t.AddSeconds(1), $"{id} Completed");
    }

    /// <summary>
    /// A deferred delivery, nothing delivered: greylisting, or, chosen by peer (no random draw), a TLS policy: the
    /// plaintext-only server does not offer TLS, oldbank's DANE (TLSA) lookup fails.
    /// </summary>
    public void Deferred(DateTimeOffset t, Peer peer)
    {
        var id = MessageId();
        Log(t, $"{id} <= {Organisation.User(random)}@{Organisation.Domain} U=www-data P=local S=1200");
        var reason = peer switch
        {
            { Tls: Tls.None } => $"defer (-38) H={peer.Host} [{peer.Ip}]: a TLS session is required, but the server did not offer TLS support",
            { Host: Ciphers.WeakCipherHost } => "defer (-1): DANE error: tlsa lookup DEFER",
            _ => $"defer (-44) H={peer.Host} [{peer.Ip}]: SMTP error from remote mail server after RCPT TO: 451 4.7.1 Greylisted, try again later",
        };
        Log(t.AddSeconds(1), $"{id} == {Organisation.User(random)}@{peer.Domain} R=dnslookup T=remote_smtp {reason}");
    }

    private void Deliver(DateTimeOffset t, string id, Peer peer, Party party, Tls tls)
    {
        var (router, transport) = party == Party.Relay ? ("smarthost", "remote_smtp_smarthost") : ("dnslookup", "remote_smtp");
        var x = tls != Tls.None ? $" X={Ciphers.Exim(tls, peer.Host)}{Ciphers.EximCertificate(peer.Host, delivery: true)}" : "";
        var recipients = random.Next(1, 4);
        for (var i = 0; i < recipients; i++)
        {
            Log(t, $"{id} {(i == 0 ? "=>" : "->")} {Organisation.User(random)}@{peer.Domain} R={router} T={transport} H={peer.Host} [{peer.Ip}]{x} "
                + $"C=\"250 2.0.0 Ok: queued as {random.Next():X8}\"");
        }

        emit.Tally.Count(LogFormat.Exim, Direction.Outbound, party, tls);
    }

    private void Log(DateTimeOffset t, string text) =>
        emit.Line(LogStream.Exim, t, emit.Local(t).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + text);

    private string MessageId()
    {
        _counter = (_counter + 1) & 0xFFFF;
        return string.Create(CultureInfo.InvariantCulture, $"1v{_counter:X4}-{random.Next(1 << 24):X6}-{random.Next(100):D2}");
    }
}
