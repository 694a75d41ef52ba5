using System.Globalization;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Formats.Exchange;

/// <summary>
/// Parses one Exchange SMTP protocol log. Each line is a CSV event of one session; sessions interleave, so all
/// state (TLS version, authentication, the message being transferred) is kept per session-id. Lines are split
/// on bytes and sessions are keyed by the 64-bit session-id itself, so a line allocates nothing; strings are
/// made only when a message is emitted, from a cache.
/// </summary>
internal sealed class ExchangeParser : ILogParser
{
    /// <summary>Sessions whose last line is this many lines back are dropped (never disconnected: a cut log, a crash).</summary>
    internal const long IdleLines = 2_000_000;

    /// <summary>Most sessions held at once; beyond it idle sessions are dropped early so memory stays flat.</summary>
    internal const int MaxSessions = 100_000;

    private const long SweepEveryLines = 1 << 16;
    private const int MaxFields = 16;
    private const int MaxPooled = 1024;

    private readonly ParseContext _context;
    private readonly TimeZoneInfo _zone;
    private readonly Dictionary<ulong, Session> _sessions = [];
    private readonly Stack<Session> _pool = new();
    private readonly Utf8StringCache _strings = new();
    private readonly Text.CipherClassCache _schannelClasses = new();

    private LogKind _kind;
    private int _dateColumn;
    private int _connectorColumn = 1;
    private int _sessionColumn = 2;
    private int _remoteColumn = 5;
    private int _eventColumn = 6;
    private int _dataColumn = 7;
    private int _contextColumn = 8;
    private int _requiredFields = 8;
    private long _nextSweep = SweepEveryLines;

    public ExchangeParser(ParseContext context)
    {
        _context = context;
        _zone = context.Options.TimeZone;
    }

    /// <summary>Sessions currently held (for tests of the memory bound).</summary>
    internal int OpenSessions => _sessions.Count;

    private enum LogKind : byte
    {
        Unknown,
        Receive,
        Send,
    }

    /// <summary>What a command sent in a SmtpSend session is waiting for.</summary>
    private enum Pending : byte
    {
        Other,
        Rcpt,
        Data,
        BdatLast,

        /// <summary>The message data after a 354: its reply is the delivery verdict.</summary>
        EndOfData,

        /// <summary>X-EXPS: Exchange server authentication.</summary>
        ServerAuth,
    }

    public void ParseLine(ReadOnlySpan<byte> line, long lineNumber)
    {
        if (line.IsEmpty)
        {
            return;
        }

        if (line[0] == '#')
        {
            Header(line);
            return;
        }

        if (lineNumber >= _nextSweep)
        {
            _nextSweep = lineNumber + SweepEveryLines;
            Sweep(lineNumber - IdleLines);
        }

        Span<Range> fields = stackalloc Range[MaxFields];
        var count = Utf8Csv.Split(line, fields);
        if (count < _requiredFields)
        {
            _context.Problem(lineNumber, "not an Exchange protocol log event", Utf8Text.Excerpt(line));
            return;
        }

        var eventField = line[fields[_eventColumn]];
        if (eventField.Length != 1)
        {
            _context.Problem(lineNumber, "unknown Exchange protocol log event", Utf8Text.Excerpt(line));
            return;
        }

        var sessionId = line[fields[_sessionColumn]];
        var key = SessionKey(sessionId, out var hexKey);
        var kind = eventField[0];
        if (kind is not ((byte)'+' or (byte)'-' or (byte)'<' or (byte)'>' or (byte)'*'))
        {
            _context.Problem(lineNumber, "unknown Exchange protocol log event", Utf8Text.Excerpt(line));
            return;
        }

        if (kind == '-')
        {
            Close(key);
            return;
        }

        if (!_sessions.TryGetValue(key, out var session))
        {
            session = Open(key, hexKey, line, fields, count);
        }

        if (session.Loopback)
        {
            // Health probes and local relays: not mail flow.
            return;
        }

        session.LastLine = lineNumber;
        var data = line[fields[_dataColumn]];
        var context = _contextColumn < count ? line[fields[_contextColumn]] : default;
        var dateTime = line[fields[_dateColumn]];

        switch (kind)
        {
            case (byte)'*':
                Information(session, data, context);
                break;
            case (byte)'<':
                if (session.Kind == LogKind.Unknown)
                {
                    session.Kind = Utf8Text.ReplyCode(data) >= 0 ? LogKind.Send : LogKind.Receive;
                }

                if (session.Kind == LogKind.Receive)
                {
                    ReceiveCommand(session, data);
                }
                else
                {
                    SendReply(session, data, dateTime, lineNumber);
                }

                break;
            case (byte)'>':
                if (session.Kind == LogKind.Unknown)
                {
                    session.Kind = Utf8Text.ReplyCode(data) >= 0 ? LogKind.Receive : LogKind.Send;
                }

                if (session.Kind == LogKind.Receive)
                {
                    ReceiveReply(session, data, dateTime, lineNumber);
                }
                else
                {
                    SendCommand(session, data);
                }

                break;
        }
    }

    public void Complete()
    {
        // Messages are emitted as their verdict is read; a session cut by the end of the file has none pending.
        _sessions.Clear();
    }

    private void Header(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("#Log-type:"u8))
        {
            var type = line[10..];
            _kind = type.IndexOf("Receive"u8) >= 0 ? LogKind.Receive : type.IndexOf("Send"u8) >= 0 ? LogKind.Send : LogKind.Unknown;
            return;
        }

        if (!line.StartsWith("#Fields:"u8))
        {
            return;
        }

        int date = -1, connector = -1, session = -1, remote = -1, evt = -1, data = -1, ctx = -1;
        var names = line[8..].Trim((byte)' ');
        var index = 0;
        while (true)
        {
            var comma = names.IndexOf((byte)',');
            var name = (comma < 0 ? names : names[..comma]).Trim((byte)' ');
            if (name.SequenceEqual("date-time"u8))
            {
                date = index;
            }
            else if (name.SequenceEqual("connector-id"u8))
            {
                connector = index;
            }
            else if (name.SequenceEqual("session-id"u8))
            {
                session = index;
            }
            else if (name.SequenceEqual("remote-endpoint"u8))
            {
                remote = index;
            }
            else if (name.SequenceEqual("event"u8))
            {
                evt = index;
            }
            else if (name.SequenceEqual("data"u8))
            {
                data = index;
            }
            else if (name.SequenceEqual("context"u8))
            {
                ctx = index;
            }

            if (comma < 0)
            {
                break;
            }

            names = names[(comma + 1)..];
            index++;
        }

        if (date < 0 || session < 0 || remote < 0 || evt < 0 || data < 0 || index + 1 > MaxFields)
        {
            _context.Problem(0, "unsupported Exchange #Fields header", "needs date-time, session-id, remote-endpoint, event and data");
            return;
        }

        (_dateColumn, _connectorColumn, _sessionColumn, _remoteColumn, _eventColumn, _dataColumn) = (date, connector, session, remote, evt, data);
        _contextColumn = ctx < 0 ? MaxFields : ctx;
        _requiredFields = Math.Max(Math.Max(Math.Max(date, session), Math.Max(remote, evt)), Math.Max(data, connector)) + 1;
    }

    private static ulong SessionKey(ReadOnlySpan<byte> sessionId, out bool hex)
    {
        // Exchange session ids are 16 hex digits: the number itself is the key.
        if (sessionId.Length == 16)
        {
            ulong value = 0;
            hex = true;
            foreach (var b in sessionId)
            {
                uint digit = b;
                if (digit - '0' <= 9)
                {
                    digit -= '0';
                }
                else if ((digit | 0x20) - 'a' <= 5)
                {
                    digit = (digit | 0x20) - 'a' + 10;
                }
                else
                {
                    hex = false;
                    break;
                }

                value = (value << 4) | digit;
            }

            if (hex)
            {
                return value;
            }
        }

        hex = false;
        return Utf8Text.Hash64(sessionId);
    }

    private Session Open(ulong key, bool hexKey, ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int count)
    {
        if (_sessions.Count >= MaxSessions)
        {
            // Keep memory flat whatever the input: first drop the idle, then, if still full, the older half.
            Sweep(Math.Max(0, _nextSweep - SweepEveryLines - 100_000));
            if (_sessions.Count >= MaxSessions)
            {
                DropOlderHalf();
            }
        }

        var session = _pool.Count > 0 ? _pool.Pop() : new Session();
        session.Reset();
        session.Key = key;
        session.HexKey = hexKey;
        session.Kind = _kind;
        var remoteIp = Utf8Text.EndpointAddress(line[fields[_remoteColumn]]);
        session.Loopback = Utf8Text.IsLoopback(remoteIp);
        session.RemoteIp = _strings.Get(remoteIp);
        if (_connectorColumn >= 0 && _connectorColumn < count)
        {
            var connector = line[fields[_connectorColumn]];
            session.ConnectorId = Unescape(connector);
            var backslash = connector.IndexOf((byte)'\\');
            session.SourceHost = backslash > 0 ? _strings.Get(connector[..backslash]) : _context.Options.SourceHost;
        }
        else
        {
            session.SourceHost = _context.Options.SourceHost;
        }

        _sessions[key] = session;
        return session;
    }

    private void Close(ulong key)
    {
        if (_sessions.Remove(key, out var session) && _pool.Count < MaxPooled)
        {
            _pool.Push(session);
        }
    }

    private void Sweep(long idleBefore)
    {
        if (idleBefore <= 0 || _sessions.Count == 0)
        {
            return;
        }

        foreach (var (key, session) in _sessions)
        {
            if (session.LastLine < idleBefore)
            {
                _sessions.Remove(key);
            }
        }
    }

    private void DropOlderHalf()
    {
        var lines = new long[_sessions.Count];
        var i = 0;
        foreach (var session in _sessions.Values)
        {
            lines[i++] = session.LastLine;
        }

        Array.Sort(lines);
        var median = lines[lines.Length / 2];
        foreach (var (key, session) in _sessions)
        {
            if (session.LastLine <= median)
            {
                _sessions.Remove(key);
            }
        }
    }

    private string? Unescape(ReadOnlySpan<byte> field) => Utf8Csv.Unescape(field, _strings);

    private void Information(Session session, ReadOnlySpan<byte> data, ReadOnlySpan<byte> context)
    {
        // "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_128 ..."
        var text = context.IndexOf("SP_PROT"u8) >= 0 ? context : data;
        var protocol = text.IndexOf("SP_PROT"u8);
        if (protocol >= 0)
        {
            var token = Utf8Text.FirstWord(text[protocol..]);
            if (TlsVersions.TryNormalize(token, out var version))
            {
                session.Tls = version;
                session.TlsSeen = true;
                var algorithm = text.IndexOf("bulk encryption algorithm "u8);
                session.Cipher = algorithm < 0 ? null : _strings.Get(Utf8Text.FirstWord(text[(algorithm + 26)..]));
                session.CipherClass = algorithm < 0 ? CipherClass.Unknown : ClassifySchannelCached(text[(algorithm + 26)..]);
            }

            return;
        }

        // The session's credentials were accepted: "*,DOMAIN\user,authenticated" (SMTP AUTH or X-EXPS).
        if (context.Length == 13 && context.StartsWith("authenticated"u8))
        {
            session.Authenticated = true;
        }
    }

    /// <summary>
    /// <see cref="ClassifySchannel"/> remembered per algorithm text (up to the key exchange, which does not decide the
    /// class): a server logs the same few combinations on every TLS line.
    /// </summary>
    private CipherClass ClassifySchannelCached(ReadOnlySpan<byte> afterBulk)
    {
        var keyExchange = afterBulk.IndexOf(" and key exchange"u8);
        var key = keyExchange < 0 ? afterBulk : afterBulk[..keyExchange];
        if (_schannelClasses.TryGet(key, 0, out var known))
        {
            return known;
        }

        var found = ClassifySchannel(afterBulk);
        _schannelClasses.Add(key, 0, found);
        return found;
    }

    /// <summary>
    /// Classifies Schannel's <c>CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256 with strength 0 bits</c>.
    /// Schannel names the bulk algorithm without its mode; an AEAD suite (AES-GCM) has no separate MAC and reports its
    /// strength as 0 bits, a CBC suite reports its HMAC's (160 for SHA-1): that tells them apart. RC4, DES, 3DES and
    /// anything under 128 bits are weak whatever the MAC.
    /// </summary>
    private static CipherClass ClassifySchannel(ReadOnlySpan<byte> afterBulk)
    {
        var name = Utf8Text.FirstWord(afterBulk);
        var bits = StrengthAfter(afterBulk, 0);
        var named = TransitSecurity.ClassifyCipher(name, bits);
        if (named != CipherClass.Unknown || !name.StartsWith("CALG_AES"u8))
        {
            return named;
        }

        var mac = afterBulk.IndexOf("MAC hash algorithm "u8);
        if (mac < 0)
        {
            return CipherClass.Unknown;
        }

        var macBits = StrengthAfter(afterBulk, mac);
        return macBits switch
        {
            0 => CipherClass.Strong,
            > 0 => CipherClass.Legacy,
            _ => CipherClass.Unknown,
        };
    }

    /// <summary>The number in the first <c>with strength N bits</c> at or after <paramref name="from"/>; -1 when absent.</summary>
    private static int StrengthAfter(ReadOnlySpan<byte> text, int from)
    {
        var at = text[from..].IndexOf(" with strength "u8);
        if (at < 0)
        {
            return -1;
        }

        var digits = text[(from + at + 15)..];
        var length = 0;
        while (length < digits.Length && length < 9 && char.IsAsciiDigit((char)digits[length]))
        {
            length++;
        }

        return length == 0 ? -1 : int.Parse(digits[..length], provider: System.Globalization.CultureInfo.InvariantCulture);
    }

    private void ReceiveCommand(Session session, ReadOnlySpan<byte> data)
    {
        if (StartsWithIgnoreCase(data, "MAIL FROM:"u8))
        {
            session.StartMessage();
            var address = data[10..];
            session.SenderDomain = _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(address)), lowerCase: true);
            session.DeclaredSize = SizeParameter(address);
        }
        else if (StartsWithIgnoreCase(data, "RCPT TO:"u8))
        {
            session.RecipientDomain ??= _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(data[8..])), lowerCase: true);
        }
        else if (StartsWithIgnoreCase(data, "BDAT "u8))
        {
            session.ChunkBytes += ChunkSize(data[5..]);
        }
        else if (StartsWithIgnoreCase(data, "X-EXPS"u8))
        {
            // Whichever authentication succeeds last decides: X-EXPS (a server) or AUTH (a client).
            session.ServerAuth = true;
        }
        else if (StartsWithIgnoreCase(data, "AUTH "u8))
        {
            session.ServerAuth = false;
        }
        else if (session.RemoteHost is null && (StartsWithIgnoreCase(data, "EHLO "u8) || StartsWithIgnoreCase(data, "HELO "u8)))
        {
            // The EHLO repeated after STARTTLS names the same host.
            session.RemoteHost = _strings.Get(Utf8Text.FirstWord(data[5..].TrimStart((byte)' ')), lowerCase: true);
        }
    }

    private void ReceiveReply(Session session, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dateTime, long lineNumber)
    {
        var code = Utf8Text.ReplyCode(data);
        if (code == 250 && data.Length >= 9)
        {
            var status = data[4..9];
            if (status.SequenceEqual("2.6.0"u8))
            {
                Emit(session, session.Authenticated ? Direction.Submission : Direction.Inbound, dateTime, lineNumber);
            }
            else if (status.SequenceEqual("2.1.5"u8))
            {
                session.Recipients++;
            }
        }
        else if (code == 235)
        {
            session.Authenticated = true;
        }
    }

    private void SendCommand(Session session, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var pending = Pending.Other;
        if (StartsWithIgnoreCase(data, "MAIL FROM:"u8))
        {
            session.StartMessage();
            var address = data[10..];
            session.SenderDomain = _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(address)), lowerCase: true);
            session.DeclaredSize = SizeParameter(address);
        }
        else if (StartsWithIgnoreCase(data, "RCPT TO:"u8))
        {
            pending = Pending.Rcpt;
            session.RecipientDomain ??= _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(data[8..])), lowerCase: true);
        }
        else if (StartsWithIgnoreCase(data, "DATA"u8) && data.Length == 4)
        {
            pending = Pending.Data;
        }
        else if (StartsWithIgnoreCase(data, "X-EXPS"u8))
        {
            pending = Pending.ServerAuth;
        }
        else if (session.SourceHost is null && (StartsWithIgnoreCase(data, "EHLO "u8) || StartsWithIgnoreCase(data, "HELO "u8)))
        {
            // Send connector ids carry no server name; the name the server greets with does ("EX01.example.org").
            var name = Utf8Text.FirstWord(data[5..].TrimStart((byte)' '));
            var dot = name.IndexOf((byte)'.');
            session.SourceHost = _strings.Get(dot > 0 ? name[..dot] : name);
        }
        else if (StartsWithIgnoreCase(data, "BDAT "u8))
        {
            var arguments = data[5..];
            session.ChunkBytes += ChunkSize(arguments);
            if (arguments.IndexOf(" LAST"u8) >= 0 || arguments.IndexOf(" last"u8) >= 0)
            {
                pending = Pending.BdatLast;
            }
        }

        session.Push(pending);
    }

    private void SendReply(Session session, ReadOnlySpan<byte> data, ReadOnlySpan<byte> dateTime, long lineNumber)
    {
        var code = Utf8Text.ReplyCode(data);
        if (code < 0 || (data.Length > 3 && data[3] == '-'))
        {
            // Continuation lines of a multi-line reply: only the last line answers the command.
            return;
        }

        if (!session.TryPop(out var pending))
        {
            // The greeting (nothing was asked yet): "220 mail.contoso.com Microsoft ESMTP MAIL Service ready".
            if (code == 220 && session.RemoteHost is null && data.Length > 4)
            {
                session.RemoteHost = _strings.Get(Utf8Text.FirstWord(data[4..].TrimStart((byte)' ')), lowerCase: true);
            }

            return;
        }

        switch (pending)
        {
            case Pending.Rcpt when code is >= 200 and < 300:
                session.Recipients++;
                break;
            case Pending.ServerAuth when code == 235:
                session.ServerAuth = true;
                session.Authenticated = true;
                break;
            case Pending.Data when code == 354:
                session.Push(Pending.EndOfData);
                break;
            case Pending.BdatLast or Pending.EndOfData:
                if (code is >= 200 and < 300)
                {
                    Emit(session, Direction.Outbound, dateTime, lineNumber);
                }

                // A 4xx/5xx verdict delivered nothing; the next MAIL starts afresh either way.
                session.StartMessage();
                break;
        }
    }

    private void Emit(Session session, Direction direction, ReadOnlySpan<byte> dateTime, long lineNumber)
    {
        if (session.ServerAuth && session.Authenticated)
        {
            // X-EXPS: one Exchange server relaying to another inside the organisation (Edge to Mailbox, Mailbox
            // through the Front End proxy). The boundary crossing is logged where the message entered or left.
            session.StartMessage();
            return;
        }

        if (!Utf8Timestamp.TryParse(dateTime, _zone, out var timestamp))
        {
            _context.Problem(lineNumber, "bad timestamp", Utf8Text.Excerpt(dateTime));
            session.StartMessage();
            return;
        }

        var tls = session.TlsSeen ? session.Tls : TlsVersion.None;
        _context.Sink.OnRecord(new MailRecord
        {
            Timestamp = timestamp,
            Direction = direction,
            Tls = tls,
            Cipher = session.Cipher,

            // Schannel's validation of the peer's certificate is not in the protocol log: never guessed.
            Auth = TransitAuth.Unknown,
            CipherClass = session.CipherClass,
            RemoteHost = session.RemoteHost,
            RemoteIp = session.RemoteIp,
            SenderDomain = session.SenderDomain,
            RecipientDomain = session.RecipientDomain,
            Recipients = Math.Max(1, session.Recipients),
            Bytes = session.DeclaredSize > 0 ? session.DeclaredSize : session.ChunkBytes,
            ConnectorId = session.ConnectorId,
            SourceHost = session.SourceHost,
            LogId = session.HexKey ? session.Key.ToString("X16", CultureInfo.InvariantCulture) : null,
        });
        session.StartMessage();
    }

    private static long SizeParameter(ReadOnlySpan<byte> mailFromArguments)
    {
        var size = mailFromArguments.IndexOf("SIZE="u8);
        if (size < 0)
        {
            return 0;
        }

        return Utf8Text.TryParseInt64(Utf8Text.FirstWord(mailFromArguments[(size + 5)..]), out var value) ? value : 0;
    }

    private static long ChunkSize(ReadOnlySpan<byte> bdatArguments) =>
        Utf8Text.TryParseInt64(Utf8Text.FirstWord(bdatArguments), out var value) ? value : 0;

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> upperPrefix)
    {
        if (text.Length < upperPrefix.Length)
        {
            return false;
        }

        for (var i = 0; i < upperPrefix.Length; i++)
        {
            var b = text[i];
            if (b != upperPrefix[i] && (b & 0xDF) != upperPrefix[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One SMTP session's state.</summary>
    private sealed class Session
    {
        private const int PipelineDepth = 256;

        private Pending[]? _pending;
        private int _head;
        private int _count;

        public ulong Key;
        public bool HexKey;
        public bool Loopback;
        public long LastLine;
        public LogKind Kind;
        public string? ConnectorId;
        public string? SourceHost;
        public string? RemoteIp;
        public string? RemoteHost;
        public TlsVersion Tls;
        public bool TlsSeen;
        public string? Cipher;
        public CipherClass CipherClass;
        public bool Authenticated;
        public bool ServerAuth;
        public string? SenderDomain;
        public string? RecipientDomain;
        public int Recipients;
        public long DeclaredSize;
        public long ChunkBytes;

        public void Reset()
        {
            Kind = LogKind.Unknown;
            ConnectorId = SourceHost = RemoteIp = RemoteHost = null;
            Tls = TlsVersion.None;
            TlsSeen = false;
            Cipher = null;
            CipherClass = CipherClass.Unknown;
            Authenticated = ServerAuth = false;
            _head = _count = 0;
            StartMessage();
        }

        public void StartMessage()
        {
            SenderDomain = RecipientDomain = null;
            Recipients = 0;
            DeclaredSize = ChunkBytes = 0;
        }

        public void Push(Pending pending)
        {
            _pending ??= new Pending[PipelineDepth];
            if (_count == PipelineDepth)
            {
                // Far deeper than any real pipeline: the log lost replies; start over rather than misattribute.
                _head = _count = 0;
            }

            _pending[(_head + _count) % PipelineDepth] = pending;
            _count++;
        }

        public bool TryPop(out Pending pending)
        {
            if (_count == 0 || _pending is null)
            {
                pending = default;
                return false;
            }

            pending = _pending[_head];
            _head = (_head + 1) % PipelineDepth;
            _count--;
            return true;
        }
    }
}
