using System.Text;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Syslog;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Formats.Postfix;

/// <summary>
/// Correlates Postfix log lines into messages (rules: docs log-formats.md, "Postfix").
/// <list type="bullet">
/// <item>Inbound/submission: an smtpd <c>client=</c> line from a non-loopback ip, counted once qmgr queued the
/// queue id (<c>from=</c>); a <c>client=</c> whose transaction never reached DATA is no message. TLS comes from
/// the summary of the same smtpd session (connect..disconnect of the pid), <c>unknown</c> when only the
/// disconnect's <c>starttls=</c> shows TLS. Emitted when the first delivery attempt names the recipient, or at
/// <c>removed</c>.</item>
/// <item>Outbound: <c>status=sent</c> from an smtp process to a non-loopback relay; one message per
/// (queue id, relay), emitted at qmgr's <c>removed</c>. TLS from that process's summary for the same relay.</item>
/// </list>
/// State that never completes is evicted after <see cref="StaleSweeper.StaleAfter"/> of log time, so memory stays flat.
/// </summary>
internal sealed class PostfixParser : ILogParser
{
    private readonly ParseContext _context;
    private readonly IRecordSink _sink;
    private readonly SyslogClock _clock;
    private readonly StringCache _strings = new(4096);
    private readonly Dictionary<long, SmtpdSession> _sessions = [];
    private readonly Dictionary<long, RecentTls> _clients = [];
    private readonly Dictionary<QueueKey, QueueEntry> _queue = [];
    private readonly Stack<SmtpdSession> _sessionPool = new();
    private readonly List<QueueKey> _staleKeys = [];
    private readonly List<long> _staleSessions = [];
    private readonly StaleSweeper _sweeper = new();
    private readonly BlockedDeliveries _blocked = new();
    private readonly Text.CipherClassCache _ciphers = new();

    private long _now;
    private long _flowEvents;
    private long _tlsSummaries;

    public PostfixParser(ParseContext context)
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

        var program = syslog.Program;
        if (!PostfixFormat.IsPostfixProgram(program))
        {
            _context.OtherProgramLine();
            return;
        }

        if (syslog.PidText.IsEmpty)
        {
            return;
        }

        var daemon = program[(program.LastIndexOf((byte)'/') + 1)..];
        var message = syslog.Message;
        switch (daemon.Length)
        {
            case 5 when daemon.SequenceEqual("smtpd"u8):
                OnSmtpd(in syslog, message, lineNumber);
                break;
            case 4 when daemon.SequenceEqual("smtp"u8):
                OnSmtp(in syslog, message, lineNumber);
                break;
            case 4 when daemon.SequenceEqual("qmgr"u8):
                OnQmgr(in syslog, message, lineNumber);
                break;
            case 5 when daemon.SequenceEqual("local"u8) || daemon.SequenceEqual("error"u8) || daemon.SequenceEqual("retry"u8):
            case 4 when daemon.SequenceEqual("lmtp"u8) || daemon.SequenceEqual("pipe"u8):
            case 7 when daemon.SequenceEqual("virtual"u8) || daemon.SequenceEqual("discard"u8):
                OnLocalDelivery(message);
                break;
            default:
                break;
        }
    }

    public void Complete()
    {
        // Sessions cut by the end of the input: what was seen is all there is.
        foreach (var session in _sessions.Values)
        {
            ResolveSession(session, TlsVersion.None, dataOk: false);
        }

        foreach (var entry in _queue.Values)
        {
            Flush(entry);
        }

        _queue.Clear();
        _sessions.Clear();
        _clients.Clear();

        if (_flowEvents > 0 && _tlsSummaries == 0)
        {
            _context.Problem(0, "TLS logging appears to be off (set smtpd_tls_loglevel = 1 and smtp_tls_loglevel = 1)", null, ProblemSeverity.Notice);
        }
    }

    // ---- smtpd: sessions and received messages ----

    private void OnSmtpd(in SyslogLine syslog, ReadOnlySpan<byte> message, long lineNumber)
    {
        if (message.StartsWith("connect from "u8))
        {
            if (!TryTime(in syslog, lineNumber))
            {
                return;
            }

            var session = StartSession(syslog.ProcessKey);
            if (MailText.TrySplitHostIp(message[13..], out _, out var ip) && !MailText.IsLoopback(ip))
            {
                _flowEvents++;
            }

            session.LastSeen = _now;
        }
        else if (message.StartsWith("disconnect from "u8))
        {
            if (!TryTime(in syslog, lineNumber) || !_sessions.Remove(syslog.ProcessKey, out var session))
            {
                return;
            }

            var starttls = MailText.ParseNumber(MailText.Field(message, "starttls="u8)) > 0;
            ResolveSession(session, starttls ? TlsVersion.Unknown : TlsVersion.None, DataSucceeded(message));
            _sessionPool.Push(session);
        }
        else if (IsTlsSummary(message, out var auth, out var afterTrust))
        {
            if (!TryTime(in syslog, lineNumber) || !TryParseTlsSummary(afterTrust, "from "u8, out _, out var version, out var cipher, out var cipherClass))
            {
                return;
            }

            _tlsSummaries++;
            var key = syslog.ProcessKey;
            if (!_sessions.TryGetValue(key, out var session))
            {
                // The input began inside this session.
                session = StartSession(key);
            }

            session.LastSeen = _now;
            session.HasTls = true;
            session.Tls = version;
            session.Cipher = cipher.IsEmpty ? null : _strings.Get(cipher);
            session.Auth = auth;
            session.CipherClass = cipherClass;
        }
        else if (TrySplitQueueId(message, out var queueId, out var rest) && rest.StartsWith("client="u8))
        {
            OnClient(in syslog, queueId, rest, lineNumber);
        }
    }

    private void OnClient(in SyslogLine syslog, ReadOnlySpan<byte> queueId, ReadOnlySpan<byte> rest, long lineNumber)
    {
        var client = MailText.Field(rest, "client="u8);
        if (!MailText.TrySplitHostIp(client, out var host, out var ip) || MailText.IsLoopback(ip)
            || !QueueKey.TryCreate(queueId, out var queueKey) || !TryTime(in syslog, lineNumber))
        {
            return;
        }

        var sessionKey = syslog.ProcessKey;
        if (!_sessions.TryGetValue(sessionKey, out var session))
        {
            session = StartSession(sessionKey);
        }

        session.LastSeen = _now;
        var entry = GetOrAddEntry(queueKey, queueId);
        if (entry.Inbound is not null)
        {
            return;
        }

        var inbound = new InboundMessage
        {
            Time = _now,
            Direction = MailText.Field(rest, "sasl_username="u8).IsEmpty ? Direction.Inbound : Direction.Submission,
            RemoteHost = host.IsEmpty || host.SequenceEqual("unknown"u8) ? null : _strings.Get(host, lowerCase: true),
            RemoteIp = _strings.Get(ip),
            Service = _strings.Get(syslog.Program),
            SourceHost = _strings.Get(syslog.Host),
        };
        entry.Inbound = inbound;
        if (session.HasTls)
        {
            inbound.TlsResolved = true;
            inbound.Tls = session.Tls;
            inbound.Cipher = session.Cipher;
            inbound.Auth = session.Auth;
            inbound.CipherClass = session.CipherClass;
        }
        else
        {
            session.Unresolved.Add(entry);
        }

        TryEmitInbound(entry);
    }

    private SmtpdSession StartSession(long key)
    {
        MaybeSweep();
        if (_sessions.TryGetValue(key, out var session))
        {
            // A connect without the previous disconnect (lost line): close the old session as plaintext.
            ResolveSession(session, TlsVersion.None, dataOk: false);
        }
        else
        {
            session = _sessionPool.Count > 0 ? _sessionPool.Pop() : new SmtpdSession();
            _sessions[key] = session;
        }

        session.Reset(_now);
        return session;
    }

    private void ResolveSession(SmtpdSession session, TlsVersion withoutSummary, bool dataOk)
    {
        foreach (var entry in session.Unresolved)
        {
            var inbound = entry.Inbound!;
            if (!inbound.TlsResolved)
            {
                inbound.TlsResolved = true;
                inbound.Tls = withoutSummary;
                inbound.DataOk = dataOk;
                TryEmitInbound(entry);
            }
        }

        session.Unresolved.Clear();
    }

    /// <summary>True when the disconnect line counts DATA or BDAT commands and none failed (<c>data=1</c>, not <c>data=0/1</c>).</summary>
    private static bool DataSucceeded(ReadOnlySpan<byte> disconnect)
    {
        var data = MailText.Field(disconnect, "data="u8);
        if (data.IsEmpty)
        {
            data = MailText.Field(disconnect, "bdat="u8);
        }

        return !data.IsEmpty && !data.Contains((byte)'/') && MailText.ParseNumber(data) > 0;
    }

    // ---- smtp: client TLS and outbound deliveries ----

    private void OnSmtp(in SyslogLine syslog, ReadOnlySpan<byte> message, long lineNumber)
    {
        if (IsTlsSummary(message, out var summaryAuth, out var afterTrust))
        {
            if (!TryTime(in syslog, lineNumber) || !TryParseTlsSummary(afterTrust, "to "u8, out var peer, out var version, out var summaryCipher, out var summaryClass))
            {
                return;
            }

            _tlsSummaries++;
            var key = syslog.ProcessKey;
            if (!_clients.TryGetValue(key, out var client))
            {
                client = new RecentTls();
                _clients[key] = client;
            }

            client.LastSeen = _now;
            client.Add(MailText.Hash(peer), version, summaryCipher.IsEmpty ? null : _strings.Get(summaryCipher), summaryAuth, summaryClass);
            return;
        }

        if (!TrySplitQueueId(message, out var queueId, out var rest) || !rest.StartsWith("to="u8))
        {
            return;
        }

        var relay = MailText.Field(rest, "relay="u8);
        var status = MailText.Field(rest, "status="u8);
        if (!MailText.TrySplitHostIp(relay, out var host, out var ip) || MailText.IsLoopback(ip))
        {
            // Content filters, loopback relays, relay=none: not mail flow, but the first attempt names the recipient.
            // relay=none can still carry a policy failure found before connecting (a TLSA lookup error).
            if (relay.SequenceEqual("none"u8) && !status.SequenceEqual("sent"u8))
            {
                OnBlocked(in syslog, queueId, rest, status, default, default, lineNumber);
            }

            OnLocalDelivery(message);
            return;
        }

        if (!status.SequenceEqual("sent"u8) || !QueueKey.TryCreate(queueId, out var queueKey) || !TryTime(in syslog, lineNumber))
        {
            OnBlocked(in syslog, queueId, rest, status, host, ip, lineNumber);
            NoteRecipient(queueId, rest);
            return;
        }

        _flowEvents++;
        var entry = GetOrAddEntry(queueKey, queueId);
        NoteRecipient(entry, rest);
        var relayHash = MailText.Hash(relay);
        entry.Outbound ??= [];
        foreach (var existing in entry.Outbound)
        {
            if (existing.RelayHash == relayHash)
            {
                existing.Recipients++;
                return;
            }
        }

        var tls = TlsVersion.None;
        string? cipher = null;
        var auth = TransitAuth.Unknown;
        var cipherClass = CipherClass.Unknown;
        if (_clients.TryGetValue(syslog.ProcessKey, out var state))
        {
            var slot = state.Find(relayHash);
            if (slot >= 0)
            {
                tls = state.Tls[slot];
                cipher = state.Cipher[slot];
                auth = state.Auth[slot];
                cipherClass = state.Class[slot];
            }
        }

        // Postfix >= 3.11: "tls=<level>[:<effective level>]..." on the delivery line itself.
        var feature = MailText.Field(rest, "tls="u8);
        if (!feature.IsEmpty)
        {
            var colon = feature.IndexOf((byte)':');
            var effective = colon < 0 ? feature : feature[(colon + 1)..];
            if (effective.StartsWith("none"u8))
            {
                tls = TlsVersion.None;
                cipher = null;
            }
            else if (tls == TlsVersion.None)
            {
                tls = TlsVersion.Unknown;
            }
        }

        entry.Outbound.Add(new OutboundDelivery
        {
            RelayHash = relayHash,
            Time = _now,
            Tls = tls,
            Cipher = cipher,
            Auth = auth,
            CipherClass = cipherClass,
            RemoteHost = host.IsEmpty ? null : _strings.Get(host, lowerCase: true),
            RemoteIp = _strings.Get(ip),
            RecipientDomain = DomainOf(MailText.Field(rest, "to="u8)),
            Recipients = 1,
            Service = _strings.Get(syslog.Program),
            SourceHost = _strings.Get(syslog.Host),
        });
    }

    /// <summary>
    /// A deferred or bounced delivery whose reason is a TLS policy (<c>status=deferred (TLS is required, but was not
    /// offered by host ...)</c>, <c>(Server certificate not verified)</c>...): one blocked delivery per message,
    /// recipient domain and reason.
    /// </summary>
    private void OnBlocked(in SyslogLine syslog, ReadOnlySpan<byte> queueId, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> status, ReadOnlySpan<byte> host, ReadOnlySpan<byte> ip, long lineNumber)
    {
        if (!(status.SequenceEqual("deferred"u8) || status.SequenceEqual("bounced"u8)))
        {
            return;
        }

        var statusAt = rest.IndexOf("status="u8);
        var reason = BlockReasons.Recognize(rest[statusAt..]);
        if (reason == BlockReason.None || !TryTime(in syslog, lineNumber))
        {
            return;
        }

        var domain = DomainOf(MailText.Field(rest, "to="u8));
        if (!_blocked.FirstTime(queueId, domain, reason))
        {
            return;
        }

        var record = new MailRecord
        {
            Timestamp = new DateTimeOffset(_now, TimeSpan.Zero),
            Direction = Direction.Outbound,
            Tls = TlsVersion.None,
            Blocked = reason,
            RemoteHost = host.IsEmpty ? null : _strings.Get(host, lowerCase: true),
            RemoteIp = ip.IsEmpty ? null : _strings.Get(ip),
            RecipientDomain = domain,
            Recipients = 1,
            Service = _strings.Get(syslog.Program),
            SourceHost = _strings.Get(syslog.Host),
            LogId = Encoding.ASCII.GetString(queueId),
        };
        _sink.OnRecord(in record);
    }

    /// <summary>A delivery that is not mail flow (local, pipe, loopback relay): only names the inbound message's recipient.</summary>
    private void OnLocalDelivery(ReadOnlySpan<byte> message)
    {
        if (TrySplitQueueId(message, out var queueId, out var rest) && rest.StartsWith("to="u8))
        {
            NoteRecipient(queueId, rest);
        }
    }

    private void NoteRecipient(ReadOnlySpan<byte> queueId, ReadOnlySpan<byte> rest)
    {
        if (QueueKey.TryCreate(queueId, out var key) && _queue.TryGetValue(key, out var entry))
        {
            NoteRecipient(entry, rest);
        }
    }

    private void NoteRecipient(QueueEntry entry, ReadOnlySpan<byte> rest)
    {
        entry.LastSeen = _now;
        var inbound = entry.Inbound;
        if (inbound is null || inbound.Emitted || inbound.RecipientDomain is not null)
        {
            return;
        }

        // The recipient as the sender addressed it: orig_to= when aliases rewrote it.
        var address = MailText.Field(rest, "orig_to="u8);
        if (address.IsEmpty)
        {
            address = MailText.Field(rest, "to="u8);
        }

        inbound.RecipientDomain = DomainOf(address) ?? string.Empty;
        TryEmitInbound(entry);
    }

    // ---- qmgr: acceptance, sender, size, end of the queue file ----

    private void OnQmgr(in SyslogLine syslog, ReadOnlySpan<byte> message, long lineNumber)
    {
        if (!TrySplitQueueId(message, out var queueId, out var rest) || !QueueKey.TryCreate(queueId, out var key))
        {
            return;
        }

        if (rest.StartsWith("from="u8))
        {
            if (!TryTime(in syslog, lineNumber))
            {
                return;
            }

            var entry = GetOrAddEntry(key, queueId);
            entry.Queued = true;
            entry.SenderDomain = DomainOf(MailText.Field(rest, "from="u8));
            entry.Size = Math.Max(0, MailText.ParseNumber(MailText.Field(rest, "size="u8)));
            entry.Recipients = (int)Math.Clamp(MailText.ParseNumber(MailText.Field(rest, "nrcpt="u8)), 1, int.MaxValue);
            TryEmitInbound(entry);
        }
        else if (rest.SequenceEqual("removed"u8))
        {
            if (!_queue.TryGetValue(key, out var entry) || !TryTime(in syslog, lineNumber))
            {
                return;
            }

            entry.Removed = true;
            FlushOutbound(entry);
            TryEmitInbound(entry);
            if (entry.Inbound is null || entry.Inbound.Emitted)
            {
                _queue.Remove(key);
            }
        }
    }

    // ---- emission ----

    private QueueEntry GetOrAddEntry(QueueKey key, ReadOnlySpan<byte> queueId)
    {
        // Sweep before adding: a sweep must never see an entry that is not stamped yet.
        MaybeSweep();
        if (!_queue.TryGetValue(key, out var entry))
        {
            entry = new QueueEntry { QueueId = Encoding.ASCII.GetString(queueId) };
            _queue[key] = entry;
        }

        entry.LastSeen = _now;
        return entry;
    }

    private void TryEmitInbound(QueueEntry entry)
    {
        var inbound = entry.Inbound;
        if (inbound is not null && !inbound.Emitted && entry.Queued && inbound.TlsResolved && (inbound.RecipientDomain is not null || entry.Removed))
        {
            EmitInbound(entry, inbound);
        }
    }

    private void EmitInbound(QueueEntry entry, InboundMessage inbound)
    {
        inbound.Emitted = true;
        var record = new MailRecord
        {
            Timestamp = new DateTimeOffset(inbound.Time, TimeSpan.Zero),
            Direction = inbound.Direction,
            Tls = inbound.TlsResolved ? inbound.Tls : TlsVersion.None,
            Cipher = inbound.Cipher,
            Auth = inbound.Auth,
            CipherClass = inbound.CipherClass,
            RemoteHost = inbound.RemoteHost,
            RemoteIp = inbound.RemoteIp,
            SenderDomain = entry.SenderDomain,
            RecipientDomain = string.IsNullOrEmpty(inbound.RecipientDomain) ? null : inbound.RecipientDomain,
            Recipients = Math.Max(1, entry.Recipients),
            Bytes = entry.Size,
            Service = inbound.Service,
            SourceHost = inbound.SourceHost,
            LogId = entry.QueueId,
        };
        _sink.OnRecord(in record);
    }

    private void FlushOutbound(QueueEntry entry)
    {
        if (entry.Outbound is null)
        {
            return;
        }

        foreach (var delivery in entry.Outbound)
        {
            var record = new MailRecord
            {
                Timestamp = new DateTimeOffset(delivery.Time, TimeSpan.Zero),
                Direction = Direction.Outbound,
                Tls = delivery.Tls,
                Cipher = delivery.Cipher,
                Auth = delivery.Auth,
                CipherClass = delivery.CipherClass,
                RemoteHost = delivery.RemoteHost,
                RemoteIp = delivery.RemoteIp,
                SenderDomain = entry.SenderDomain,
                RecipientDomain = delivery.RecipientDomain,
                Recipients = delivery.Recipients,
                Bytes = entry.Size,
                Service = delivery.Service,
                SourceHost = delivery.SourceHost,
                LogId = entry.QueueId,
            };
            _sink.OnRecord(in record);
        }

        entry.Outbound.Clear();
    }

    /// <summary>Emits what an entry holds whatever is still missing (end of input, or idle too long).</summary>
    private void Flush(QueueEntry entry)
    {
        FlushOutbound(entry);
        var inbound = entry.Inbound;
        if (inbound is not null && !inbound.Emitted && (entry.Queued || inbound.DataOk))
        {
            EmitInbound(entry, inbound);
        }
    }

    private void MaybeSweep()
    {
        if (!_sweeper.IsDue(_now, out var cutoff, out var future))
        {
            return;
        }

        StaleSweeper.RemoveStale(_sessions, s => s.LastSeen, cutoff, future, _staleSessions, session =>
        {
            ResolveSession(session, TlsVersion.None, dataOk: false);
            _sessionPool.Push(session);
        });
        StaleSweeper.RemoveStale(_clients, c => c.LastSeen, cutoff, future, _staleSessions);
        StaleSweeper.RemoveStale(_queue, e => e.LastSeen, cutoff, future, _staleKeys, Flush);
    }

    // ---- line helpers ----

    private bool TryTime(in SyslogLine syslog, long lineNumber)
    {
        if (!_clock.TryStamp(in syslog, _context, lineNumber, out var ticks))
        {
            return false;
        }

        _now = ticks;
        return true;
    }

    /// <summary>Splits <c>QUEUEID: rest</c>.</summary>
    private static bool TrySplitQueueId(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> queueId, out ReadOnlySpan<byte> rest)
    {
        queueId = default;
        rest = default;
        var colon = message[..Math.Min(message.Length, 26)].IndexOf(": "u8);
        if (colon < 5)
        {
            return false;
        }

        queueId = message[..colon];
        rest = message[(colon + 2)..];
        return true;
    }

    /// <summary><c>Anonymous|Untrusted|Trusted|Verified TLS connection </c>... (Postfix 2.2 wrote no trust word).</summary>
    private static bool IsTlsSummary(ReadOnlySpan<byte> message, out TransitAuth auth, out ReadOnlySpan<byte> afterTrust)
    {
        auth = TransitAuth.Unknown;
        if (message.StartsWith("TLS connection "u8))
        {
            afterTrust = message[15..];
            return true;
        }

        afterTrust = default;
        var space = message[..Math.Min(message.Length, 11)].IndexOf((byte)' ');
        if (space < 7 || !message[space..].StartsWith(" TLS connection "u8))
        {
            return false;
        }

        var trust = message[..space];
        if (trust.SequenceEqual("Anonymous"u8))
        {
            auth = TransitAuth.Anonymous;
        }
        else if (trust.SequenceEqual("Untrusted"u8))
        {
            auth = TransitAuth.Untrusted;
        }
        else if (trust.SequenceEqual("Trusted"u8))
        {
            auth = TransitAuth.Trusted;
        }
        else if (trust.SequenceEqual("Verified"u8))
        {
            auth = TransitAuth.Verified;
        }
        else
        {
            return false;
        }

        afterTrust = message[(space + 16)..];
        return true;
    }

    /// <summary>
    /// Parses <c>established|reused from|to host[ip](:port)( to sni): TLSv1.3 with cipher NAME (...)</c>;
    /// <paramref name="peer"/> is <c>host[ip](:port)</c>, as the delivery line's <c>relay=</c> spells it.
    /// </summary>
    private bool TryParseTlsSummary(ReadOnlySpan<byte> text, ReadOnlySpan<byte> fromOrTo, out ReadOnlySpan<byte> peer, out TlsVersion version, out ReadOnlySpan<byte> cipher, out CipherClass cipherClass)
    {
        peer = default;
        cipher = default;
        cipherClass = CipherClass.Unknown;
        version = TlsVersion.Unknown;
        if (text.StartsWith("established "u8))
        {
            text = text[12..];
        }
        else if (text.StartsWith("reused "u8))
        {
            text = text[7..];
        }
        else
        {
            return false;
        }

        if (!text.StartsWith(fromOrTo))
        {
            return false;
        }

        text = text[fromOrTo.Length..];
        var close = text.IndexOf((byte)']');
        if (close < 0)
        {
            return false;
        }

        var end = close + 1;
        if (end < text.Length && text[end] == (byte)':' && end + 1 < text.Length && SyslogParser.IsDigit(text[end + 1]))
        {
            end++;
            while (end < text.Length && SyslogParser.IsDigit(text[end]))
            {
                end++;
            }
        }

        peer = text[..end];
        text = text[end..];
        var protocolAt = text.IndexOf(": "u8);
        if (protocolAt < 0)
        {
            return false;
        }

        text = text[(protocolAt + 2)..];
        var protocolEnd = text.IndexOf((byte)' ');
        var protocol = protocolEnd < 0 ? text : text[..protocolEnd];
        if (!MailText.TryTlsVersion(protocol, out version))
        {
            version = TlsVersion.Unknown;
        }

        if (protocolEnd >= 0 && text[protocolEnd..].StartsWith(" with cipher "u8))
        {
            cipher = text[(protocolEnd + 13)..];
            var cipherEnd = cipher.IndexOf((byte)' ');
            var bits = 0L;
            if (cipherEnd >= 0)
            {
                // " (256/256 bits)": the first number is the key size in use.
                var after = cipher[cipherEnd..];
                if (after.StartsWith(" ("u8))
                {
                    var slash = after.IndexOf((byte)'/');
                    bits = slash > 2 ? MailText.ParseNumber(after[2..slash]) : 0;
                }

                cipher = cipher[..cipherEnd];
            }

            cipherClass = _ciphers.Classify(cipher, (int)Math.Clamp(bits, 0, int.MaxValue));
        }

        return true;
    }

    private string? DomainOf(ReadOnlySpan<byte> address)
    {
        var domain = MailText.Domain(address);
        return domain.IsEmpty ? null : _strings.Get(domain, lowerCase: true);
    }
}
