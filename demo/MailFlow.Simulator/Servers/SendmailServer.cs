using System.Globalization;

namespace MailFlow.Simulator.Servers;

/// <summary>
/// mail.example.com running Sendmail (LogLevel 9): <c>STARTTLS=server</c>, <c>from=</c> and the local <c>to=</c> of
/// inbound mail; <c>STARTTLS=client</c> and <c>to=... stat=Sent</c> of outbound mail. Classic syslog timestamps
/// (no year, no zone) in the simulated zone.
/// </summary>
internal sealed class SendmailServer(Emitter emit, Random random)
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private int _pid = 40000;

    public void Inbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var pid = NextPid();
        var queueId = QueueId(pid);
        if (tls != Tls.None)
        {
            Log(t, pid, $"STARTTLS=server, relay={peer.Host} [{peer.Ip}], version={Ciphers.OpenSslVersion(tls)}, verify={Ciphers.SendmailVerify(peer.Host, outbound: false)}, cipher={Ciphers.OpenSslCipher(tls, peer.Host).Cipher}, bits={Ciphers.OpenSslCipher(tls, peer.Host).Bits}");
        }

        var sender = party == Party.Relay ? Organisation.User(random) : "info";
        Log(t.AddSeconds(1), pid, $"{queueId}: from=<{sender}@{peer.Domain}>, size={random.Next(1500, 40000)}, class=0, nrcpts=1, msgid=<{queueId}@{peer.Domain}>, proto=ESMTP, daemon=MTA, relay={peer.Host} [{peer.Ip}]");
        Log(t.AddSeconds(2), pid + 1, $"{queueId}: to=<{Organisation.User(random)}@{Organisation.Domain}>, delay=00:00:01, xdelay=00:00:00, mailer=local, pri=30000, dsn=2.0.0, stat=Sent");
        emit.Tally.Count(LogFormat.Sendmail, Direction.Inbound, party, tls);
    }

    public void Outbound(DateTimeOffset t, Peer peer, Party party, Tls tls)
    {
        var pid = NextPid();
        var queueId = QueueId(pid);
        Log(t, pid, $"{queueId}: from=<{Organisation.User(random)}@{Organisation.Domain}>, size={random.Next(1500, 40000)}, class=0, nrcpts=1, msgid=<{queueId}@{Organisation.Domain}>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]");
        if (tls != Tls.None)
        {
            Log(t.AddSeconds(1), pid + 1, $"STARTTLS=client, relay={peer.Host}., version={Ciphers.OpenSslVersion(tls)}, verify={Ciphers.SendmailVerify(peer.Host, outbound: true)}, cipher={Ciphers.OpenSslCipher(tls, peer.Host).Cipher}, bits={Ciphers.OpenSslCipher(tls, peer.Host).Bits}");
        }

        Log(t.AddSeconds(2), pid + 1, $"{queueId}: to=<{Organisation.User(random)}@{peer.Domain}>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120000, relay={peer.Host}. [{peer.Ip}], dsn=2.0.0, stat=Sent (OK id=1x)");
        emit.Tally.Count(LogFormat.Sendmail, Direction.Outbound, party, tls);
    }

    private void Log(DateTimeOffset t, int pid, string text)
    {
        var local = emit.Local(t);
        emit.Line(LogStream.Sendmail, t, string.Create(CultureInfo.InvariantCulture,
            $"{Months[local.Month - 1]} {local.Day,2} {local:HH:mm:ss} mail sm-mta[{pid}]: {text}"));
    }

    /// <summary>Two pids per message (the child that received it, the one that delivered it).</summary>
    private int NextPid()
    {
        _pid = _pid >= 99000 ? 30000 : _pid + 2;
        return _pid;
    }

    private string QueueId(int pid) =>
        "4AK" + new string(Enumerable.Range(0, 6).Select(_ => "ABCDEFGHIJ0123456789"[random.Next(20)]).ToArray()) + pid.ToString("D6", CultureInfo.InvariantCulture);
}
