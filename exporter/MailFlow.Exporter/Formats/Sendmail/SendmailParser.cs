using System.Text;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Syslog;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Formats.Sendmail;

/// <summary>
/// Correlates Sendmail lines into messages (rules: docs log-formats.md, "Sendmail").
/// <list type="bullet">
/// <item>Inbound/submission: a <c>from=</c> line with <c>nrcpts=</c> above 0 from a non-loopback relay. TLS is the
/// <c>STARTTLS=server</c> line of the same pid (one sm-mta child serves one connection); submission when that
/// pid logged <c>AUTH=server</c> or the protocol is ESMTPA/ESMTPSA. Held until the queue id's first <c>to=</c>
/// line names the recipient (or the input ends).</item>
/// <item>Outbound: a <c>to=</c> line with <c>stat=Sent</c> to a non-loopback relay; its TLS is the most recent
/// <c>STARTTLS=client</c> of the same pid for that relay host. All recipients on the line count.</item>
/// </list>
/// Sendmail logs no connect/disconnect: pid state expires after <see cref="StaleSweeper.StaleAfter"/> of log time.
/// </summary>
internal sealed class SendmailParser : ILogParser
{
    private readonly ParseContext _context;
    private readonly IRecordSink _sink;
    private readonly SyslogClock _clock;
    private readonly StringCache _strings = new(2048);
    private readonly Dictionary<long, ServerSession> _servers = [];
    private readonly Dictionary<long, RecentTls> _clients = [];
    private readonly BlockedDeliveries _blocked = new();
    private readonly Text.CipherClassCache _ciphers = new();
    private readonly Dictionary<QueueKey, QueuedMessage> _queue = [];
    private readonly List<long> _stalePids = [];
    private readonly List<QueueKey> _staleKeys = [];
    private readonly StaleSweeper _sweeper = new();

    private long _now;
    private long _flowEvents;
    private long _tlsLines;

    public SendmailParser(ParseContext context)
    {
        _context = context;
        _sink = context.Sink;
        _clock = new SyslogClock(context.Options);
    }

    public void ParseLine(ReadOnlySpan<byte> line, long lineNumber)
    {
        if (!SyslogParser.TryParse(line, out var syslog))
        {
            // Syslog never writes '#' lines: they are comments (hand-annotated logs, fixtures).
            if (!line.Trim((byte)' ').IsEmpty && line[0] != (byte)'#')
            {
                _context.Problem(lineNumber, "no syslog header", Utf8Text.Excerpt(line));
            }

            return;
        }

        if (!SendmailFormat.IsSendmailProgram(syslog.Program))
        {
            _context.OtherProgramLine();
            return;
        }

        if (syslog.PidText.IsEmpty)
        {
            return;
        }

        var message = syslog.Message;

        // Newer builds prefix STARTTLS/AUTH lines with the queue id: "p8O3NYXa020342: STARTTLS=server, ...".
        ReadOnlySpan<byte> queueId = default;
        var colon = message[..Math.Min(message.Length, 30)].IndexOf(": "u8);
        if (colon > 0 && !message[..colon].Contains((byte)'='))
        {
            queueId = message[..colon];
            message = message[(colon + 2)..];
        }

        if (message.StartsWith("STARTTLS="u8))
        {
            OnStartTls(in syslog, message, lineNumber);
        }
        else if (message.StartsWith("AUTH=server"u8))
        {
            if (TryTime(in syslog, lineNumber))
            {
                Server(in syslog).Authenticated = true;
            }
        }
        else if (!queueId.IsEmpty && message.StartsWith("from="u8))
        {
            OnFrom(in syslog, queueId, message, lineNumber);
        }
        else if (!queueId.IsEmpty && message.StartsWith("to="u8))
        {
            OnTo(in syslog, queueId, message, lineNumber);
        }
    }

    public void Complete()
    {
        foreach (var queued in _queue.Values)
        {
            Emit(queued);
        }

        _queue.Clear();
        _servers.Clear();
        _clients.Clear();
        if (_flowEvents > 0 && _tlsLines == 0)
        {
            _context.Problem(0, "no STARTTLS lines: TLS use is not logged (LogLevel 9 or more logs it)", null, ProblemSeverity.Notice);
        }
    }

    private void OnStartTls(in SyslogLine syslog, ReadOnlySpan<byte> message, long lineNumber)
    {
        if (!TryTime(in syslog, lineNumber))
        {
            return;
        }

        var server = message.StartsWith("STARTTLS=server"u8);
        if (!server && !message.StartsWith("STARTTLS=client"u8))
        {
            return;
        }

        var versionText = MailText.Field(message, "version="u8);
        if (versionText.IsEmpty)
        {
            // "STARTTLS=client, error: connect failed=..." and similar: no handshake.
            return;
        }

        _tlsLines++;
        var version = MailText.TryTlsVersion(versionText, out var parsed) ? parsed : TlsVersion.Unknown;
        var cipherText = MailText.Field(message, "cipher="u8);
        var cipher = cipherText.IsEmpty ? null : _strings.Get(cipherText);
        var auth = Auth(MailText.Field(message, "verify="u8));
        var cipherClass = _ciphers.Classify(cipherText, (int)Math.Clamp(SecretBits(MailText.Field(message, "bits="u8)), 0, int.MaxValue));
        if (server)
        {
            var session = Server(in syslog);
            session.HasTls = true;
            session.Tls = version;
            session.Cipher = cipher;
            session.Auth = auth;
            session.CipherClass = cipherClass;
            return;
        }

        var key = syslog.ProcessKey;
        if (!_clients.TryGetValue(key, out var recent))
        {
            recent = new RecentTls();
            _clients[key] = recent;
        }

        recent.LastSeen = _now;
        recent.Add(MailText.HashHostName(RelayHostToken(MailText.Field(message, "relay="u8))), version, cipher, auth, cipherClass);
    }

    /// <summary>
    /// <c>bits=alg_bits/cipher_bits</c> (tls.c <c>tls_get_info</c>): the second number is the secret bits in use
    /// (<c>SSL_CIPHER_get_bits</c>), less than the first for export suites (<c>128/40</c>).
    /// </summary>
    private static long SecretBits(ReadOnlySpan<byte> bits)
    {
        var slash = bits.IndexOf((byte)'/');
        return MailText.ParseNumber(slash < 0 ? bits : bits[(slash + 1)..]);
    }

    /// <summary>
    /// <c>verify=</c> (sendmail's <c>${verify}</c> as tls.c <c>tls_get_info</c> sets it after a handshake):
    /// <c>OK</c> the chain verified (sendmail does not check the name itself: trusted), <c>TRUSTED</c> verified by
    /// DANE, <c>NO</c>/<c>NOT</c> no certificate presented (requested or not), <c>FAIL</c>/<c>DANE_FAIL</c>/
    /// <c>BOGUS_DANE_RES</c> presented but not verified; <c>DANE_TEMP</c> (no DANE verdict) is unknown.
    /// </summary>
    private static TransitAuth Auth(ReadOnlySpan<byte> verify)
    {
        if (verify.SequenceEqual("OK"u8))
        {
            return TransitAuth.Trusted;
        }

        if (verify.SequenceEqual("TRUSTED"u8))
        {
            return TransitAuth.Verified;
        }

        if (verify.SequenceEqual("NO"u8) || verify.SequenceEqual("NOT"u8))
        {
            return TransitAuth.Anonymous;
        }

        if (verify.SequenceEqual("FAIL"u8) || verify.SequenceEqual("DANE_FAIL"u8) || verify.SequenceEqual("BOGUS_DANE_RES"u8))
        {
            return TransitAuth.Untrusted;
        }

        return TransitAuth.Unknown;
    }

    private void OnFrom(in SyslogLine syslog, ReadOnlySpan<byte> queueId, ReadOnlySpan<byte> message, long lineNumber)
    {
        if (!QueueKey.TryCreate(queueId, out var key) || !TryTime(in syslog, lineNumber))
        {
            return;
        }

        MaybeSweep();
        if (!_queue.TryGetValue(key, out var queued))
        {
            queued = new QueuedMessage { QueueId = Encoding.ASCII.GetString(queueId) };
            _queue[key] = queued;
        }

        queued.LastSeen = _now;
        queued.SenderDomain = DomainOf(MailText.Field(message, "from="u8));
        queued.Size = Math.Max(0, MailText.ParseNumber(MailText.Field(message, "size="u8)));
        var recipients = MailText.ParseNumber(MailText.Field(message, "nrcpts="u8));
        queued.Recipients = (int)Math.Clamp(recipients, 0, int.MaxValue);

        // relay=host [ip] (the value holds a space, so it runs to the end of the line or the next ", ").
        var relay = ValueToComma(message, "relay="u8);
        if (recipients <= 0 || !MailText.TrySplitHostIp(relay, out var host, out var ip) || MailText.IsLoopback(ip) || queued.Inbound is not null)
        {
            return;
        }

        _flowEvents++;
        var session = _servers.TryGetValue(syslog.ProcessKey, out var found) ? found : null;
        var proto = MailText.Field(message, "proto="u8);
        var authenticated = session?.Authenticated == true || proto.EndsWith("SA"u8) || proto.SequenceEqual("ESMTPA"u8);
        var tls = TlsVersion.None;
        string? cipher = null;
        var auth = TransitAuth.Unknown;
        var cipherClass = CipherClass.Unknown;
        if (session is { HasTls: true })
        {
            tls = session.Tls;
            cipher = session.Cipher;
            auth = session.Auth;
            cipherClass = session.CipherClass;
        }

        queued.Inbound = new InboundMessage
        {
            Time = _now,
            Direction = authenticated ? Direction.Submission : Direction.Inbound,
            Tls = tls,
            Cipher = cipher,
            Auth = auth,
            CipherClass = cipherClass,
            RemoteHost = HostName(host),
            RemoteIp = _strings.Get(ip),
            Service = _strings.Get(MailText.Field(message, "daemon="u8).IsEmpty ? syslog.Program : MailText.Field(message, "daemon="u8)),
            SourceHost = _strings.Get(syslog.Host),
        };
    }

    private void OnTo(in SyslogLine syslog, ReadOnlySpan<byte> queueId, ReadOnlySpan<byte> message, long lineNumber)
    {
        if (!QueueKey.TryCreate(queueId, out var key) || !TryTime(in syslog, lineNumber))
        {
            return;
        }

        // to=<a@x>,<b@x>, delay=...: the recipient list ends at the first ", ".
        var to = ValueToComma(message, "to="u8);
        var firstRecipient = to;
        var comma = to.IndexOf((byte)',');
        if (comma >= 0)
        {
            firstRecipient = to[..comma];
        }

        _queue.TryGetValue(key, out var queued);
        if (queued?.Inbound is { Emitted: false } inbound)
        {
            inbound.RecipientDomain = DomainOf(firstRecipient);
            EmitInbound(queued);
        }

        var relay = ValueToComma(message, "relay="u8);
        var stat = MailText.Field(message, "stat="u8);
        if (!stat.SequenceEqual("Sent"u8))
        {
            OnBlocked(in syslog, queueId, message, firstRecipient, relay);
            return;
        }

        if (!MailText.TrySplitHostIp(relay, out var host, out var ip) || MailText.IsLoopback(ip))
        {
            return;
        }

        var mailer = MailText.Field(message, "mailer="u8);
        if (mailer.SequenceEqual("local"u8) || mailer.SequenceEqual("prog"u8) || mailer.SequenceEqual("lmtp"u8))
        {
            return;
        }

        _flowEvents++;
        var tls = TlsVersion.None;
        string? cipher = null;
        var auth = TransitAuth.Unknown;
        var cipherClass = CipherClass.Unknown;
        if (_clients.TryGetValue(syslog.ProcessKey, out var recent))
        {
            var slot = recent.Find(MailText.HashHostName(RelayHostToken(relay)));
            if (slot >= 0)
            {
                tls = recent.Tls[slot];
                cipher = recent.Cipher[slot];
                auth = recent.Auth[slot];
                cipherClass = recent.Class[slot];
            }
        }

        var record = new MailRecord
        {
            Timestamp = new DateTimeOffset(_now, TimeSpan.Zero),
            Direction = Direction.Outbound,
            Tls = tls,
            Cipher = cipher,
            Auth = auth,
            CipherClass = cipherClass,
            RemoteHost = HostName(host),
            RemoteIp = _strings.Get(ip),
            SenderDomain = queued?.SenderDomain,
            RecipientDomain = DomainOf(firstRecipient),
            Recipients = to.Count((byte)',') + 1,
            Bytes = queued?.Size ?? 0,
            Service = mailer.IsEmpty ? _strings.Get(syslog.Program) : _strings.Get(mailer),
            SourceHost = _strings.Get(syslog.Host),
            LogId = queued?.QueueId ?? Encoding.ASCII.GetString(queueId),
        };
        _sink.OnRecord(in record);
    }

    /// <summary>
    /// <c>to=..., relay=..., stat=Deferred: 454 4.7.0 TLS handshake failed.</c> (a reply of the <c>tls_server</c> or
    /// <c>tls_rcpt</c> ruleset): one blocked delivery per message, recipient domain and reason.
    /// </summary>
    private void OnBlocked(in SyslogLine syslog, ReadOnlySpan<byte> queueId, ReadOnlySpan<byte> message, ReadOnlySpan<byte> firstRecipient, ReadOnlySpan<byte> relay)
    {
        var statAt = message.IndexOf("stat="u8);
        var reason = statAt < 0 ? BlockReason.None : BlockReasons.Recognize(message[statAt..]);
        if (reason == BlockReason.None)
        {
            return;
        }

        var domain = DomainOf(firstRecipient);
        if (!_blocked.FirstTime(queueId, domain, reason))
        {
            return;
        }

        MailText.TrySplitHostIp(relay, out var host, out var ip);
        var record = new MailRecord
        {
            Timestamp = new DateTimeOffset(_now, TimeSpan.Zero),
            Direction = Direction.Outbound,
            Tls = TlsVersion.None,
            Blocked = reason,
            RemoteHost = host.IsEmpty ? null : HostName(host),
            RemoteIp = ip.IsEmpty ? null : _strings.Get(ip),
            RecipientDomain = domain,
            Recipients = 1,
            Service = _strings.Get(syslog.Program),
            SourceHost = _strings.Get(syslog.Host),
            LogId = Encoding.ASCII.GetString(queueId),
        };
        _sink.OnRecord(in record);
    }

    private void Emit(QueuedMessage queued)
    {
        if (queued.Inbound is { Emitted: false })
        {
            EmitInbound(queued);
        }
    }

    private void EmitInbound(QueuedMessage queued)
    {
        var inbound = queued.Inbound!;
        inbound.Emitted = true;
        var record = new MailRecord
        {
            Timestamp = new DateTimeOffset(inbound.Time, TimeSpan.Zero),
            Direction = inbound.Direction,
            Tls = inbound.Tls,
            Cipher = inbound.Cipher,
            Auth = inbound.Auth,
            CipherClass = inbound.CipherClass,
            RemoteHost = inbound.RemoteHost,
            RemoteIp = inbound.RemoteIp,
            SenderDomain = queued.SenderDomain,
            RecipientDomain = inbound.RecipientDomain,
            Recipients = Math.Max(1, queued.Recipients),
            Bytes = queued.Size,
            Service = inbound.Service,
            SourceHost = inbound.SourceHost,
            LogId = queued.QueueId,
        };
        _sink.OnRecord(in record);
    }

    private ServerSession Server(in SyslogLine syslog)
    {
        MaybeSweep();
        var key = syslog.ProcessKey;
        if (!_servers.TryGetValue(key, out var session))
        {
            session = new ServerSession();
            _servers[key] = session;
        }

        session.LastSeen = _now;
        return session;
    }

    private void MaybeSweep()
    {
        if (!_sweeper.IsDue(_now, out var cutoff, out var future))
        {
            return;
        }

        StaleSweeper.RemoveStale(_servers, s => s.LastSeen, cutoff, future, _stalePids);
        StaleSweeper.RemoveStale(_clients, c => c.LastSeen, cutoff, future, _stalePids);
        StaleSweeper.RemoveStale(_queue, q => q.LastSeen, cutoff, future, _staleKeys, Emit);
    }

    private bool TryTime(in SyslogLine syslog, long lineNumber)
    {
        if (!_clock.TryStamp(in syslog, _context, lineNumber, out var ticks))
        {
            return false;
        }

        _now = ticks;
        return true;
    }

    /// <summary>A field whose value may hold spaces (<c>relay=host [ip]</c>, <c>to=a,b</c>): up to the next ", ".</summary>
    private static ReadOnlySpan<byte> ValueToComma(ReadOnlySpan<byte> message, ReadOnlySpan<byte> name)
    {
        var at = message.IndexOf(name);
        while (at > 0 && message[at - 1] != (byte)' ')
        {
            var next = message[(at + name.Length)..].IndexOf(name);
            at = next < 0 ? -1 : at + name.Length + next;
        }

        if (at < 0)
        {
            return default;
        }

        var value = message[(at + name.Length)..];
        var end = value.IndexOf(", "u8);
        return end < 0 ? value : value[..end];
    }

    /// <summary>The host part of a relay value (<c>mx.example.com. [192.0.2.5]</c> gives <c>mx.example.com.</c>).</summary>
    private static ReadOnlySpan<byte> RelayHostToken(ReadOnlySpan<byte> relay)
    {
        var end = relay.IndexOfAny((byte)' ', (byte)',');
        return end < 0 ? relay : relay[..end];
    }

    private string? HostName(ReadOnlySpan<byte> host)
    {
        host = host.TrimEnd((byte)'.');
        return host.IsEmpty || host[0] == (byte)'[' ? null : _strings.Get(host, lowerCase: true);
    }

    private string? DomainOf(ReadOnlySpan<byte> address)
    {
        var domain = MailText.Domain(address);
        return domain.IsEmpty ? null : _strings.Get(domain, lowerCase: true);
    }

    private sealed class ServerSession
    {
        public long LastSeen;
        public bool HasTls;
        public TlsVersion Tls;
        public string? Cipher;
        public TransitAuth Auth;
        public CipherClass CipherClass;
        public bool Authenticated;
    }

    private sealed class QueuedMessage
    {
        public required string QueueId;
        public long LastSeen;
        public string? SenderDomain;
        public long Size;
        public int Recipients;
        public InboundMessage? Inbound;
    }

    private sealed class InboundMessage
    {
        public long Time;
        public Direction Direction;
        public TlsVersion Tls;
        public string? Cipher;
        public TransitAuth Auth;
        public CipherClass CipherClass;
        public string? RemoteHost;
        public string? RemoteIp;
        public string? RecipientDomain;
        public required string Service;
        public required string SourceHost;
        public bool Emitted;
    }
}
