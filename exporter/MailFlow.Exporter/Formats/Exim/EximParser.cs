using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Formats.Exim;

/// <summary>
/// Parses one Exim main log. Arrivals (<c>&lt;=</c>) are emitted at once; a delivery (<c>=&gt;</c>) is held until
/// the lines that can follow it (<c>-&gt;</c>, further recipients of the same delivery) have been read, so its
/// recipient count is complete. Arrivals' sender domain and size are remembered per message id (bounded) for the
/// deliveries of the same message.
/// </summary>
internal sealed class EximParser : ILogParser
{
    /// <summary>Deliveries held back at once; beyond it they are all flushed (a log without Completed lines).</summary>
    internal const int MaxPending = 4096;

    /// <summary>Messages whose arrival is remembered for their deliveries.</summary>
    internal const int MaxArrivals = 65_536;

    private readonly ParseContext _context;
    private readonly TimeZoneInfo _zone;
    private readonly Utf8StringCache _strings = new();
    private readonly Dictionary<ulong, MailRecord> _pending = [];
    private readonly Dictionary<ulong, Arrival> _arrivals = [];
    private readonly Syslog.BlockedDeliveries _blocked = new();

    /// <summary>Messages whose last delivery attempt logged "DANE attempt failed" (until delivered or completed).</summary>
    private readonly HashSet<ulong> _daneFailed = [];

    public EximParser(ParseContext context)
    {
        _context = context;
        _zone = context.Options.TimeZone;
    }

    public void ParseLine(ReadOnlySpan<byte> line, long lineNumber)
    {
        // Exim never writes '#' lines; skipping them lets annotated copies of a log be read.
        if (line.IsEmpty || line[0] == '#')
        {
            return;
        }

        if (!TryReadPrefix(line, _zone, out var timestamp, out var rest))
        {
            _context.Problem(lineNumber, "no Exim timestamp", Utf8Text.Excerpt(line));
            return;
        }

        // Lines without a message id (connections, queue runs, rejections) carry no message.
        if (!TryReadMessageId(rest, out var messageId, out var afterId) || afterId.Length < 2)
        {
            return;
        }

        var key = Utf8Text.Hash64(messageId);
        var flag = afterId[..2];
        var body = afterId.Length > 3 ? afterId[3..] : default;
        if (flag.SequenceEqual("<="u8))
        {
            OnArrival(key, messageId, body, timestamp);
        }
        else if (flag.SequenceEqual("=>"u8) || flag.SequenceEqual(">>"u8))
        {
            _daneFailed.Remove(key);
            OnDelivery(key, messageId, body, timestamp);
        }
        else if (flag.SequenceEqual("->"u8))
        {
            if (_pending.TryGetValue(key, out var held))
            {
                _pending[key] = held with { Recipients = held.Recipients + 1 };
            }
        }
        else if (afterId.StartsWith("Completed"u8))
        {
            if (_pending.Remove(key, out var held))
            {
                _context.Sink.OnRecord(held);
            }

            _arrivals.Remove(key);
            _daneFailed.Remove(key);
        }

        else if (flag.SequenceEqual("=="u8) || flag.SequenceEqual("**"u8))
        {
            // Deferred or failed: delivers nothing, but a TLS policy failure is a blocked delivery.
            OnFailed(key, messageId, body, timestamp);
        }
        else if (afterId.StartsWith("DANE attempt failed"u8))
        {
            // smtp.c: the TLS failure on a DANE connection; its "==" line names only the TLS error.
            if (_daneFailed.Count >= MaxArrivals)
            {
                _daneFailed.Clear();
            }

            _daneFailed.Add(key);
        }

        // "*>" (suppressed) delivers nothing.
    }

    /// <summary>
    /// <c>== rcpt R=dnslookup T=remote_smtp defer (-38) H=mx.example [192.0.2.5]: a TLS session is required, but the
    /// server did not offer TLS support</c>, and the DANE and certificate failures: one blocked delivery per
    /// message, recipient domain and reason.
    /// </summary>
    private void OnFailed(ulong key, ReadOnlySpan<byte> messageId, ReadOnlySpan<byte> body, DateTimeOffset timestamp)
    {
        var reason = BlockReasons.Recognize(body);
        if (reason == BlockReason.None)
        {
            return;
        }

        if (reason is BlockReason.TlsHandshake or BlockReason.CertificateNotVerified && _daneFailed.Contains(key))
        {
            reason = BlockReason.Dane;
        }

        var recipient = Utf8Text.FirstWord(body);
        var domain = _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(recipient)), lowerCase: true);
        if (!_blocked.FirstTime(messageId, domain, reason))
        {
            return;
        }

        var fields = Fields.Read(body[recipient.Length..]);
        _context.Sink.OnRecord(new MailRecord
        {
            Timestamp = timestamp,
            Direction = Direction.Outbound,
            Tls = TlsVersion.None,
            Blocked = reason,
            RemoteHost = _strings.Get(fields.HostName, lowerCase: true),
            RemoteIp = _strings.Get(fields.HostIp),
            RecipientDomain = domain,
            Recipients = 1,
            Service = _strings.Get(fields.Transport.IsEmpty ? fields.Router : fields.Transport),
            SourceHost = _context.Options.SourceHost,
            LogId = _strings.Get(messageId),
        });
    }

    public void Complete()
    {
        foreach (var held in _pending.Values)
        {
            _context.Sink.OnRecord(held);
        }

        _pending.Clear();
        _arrivals.Clear();
        _daneFailed.Clear();
    }

    /// <summary>
    /// Reads <c>YYYY-MM-DD HH:MM:SS[.fff][ +ZZZZ][ [pid]] </c> and returns what follows.
    /// </summary>
    internal static bool TryReadPrefix(ReadOnlySpan<byte> line, TimeZoneInfo zone, out DateTimeOffset timestamp, out ReadOnlySpan<byte> rest)
    {
        timestamp = default;
        rest = default;
        if (line.Length < 20 || line[10] != ' ' || !Utf8Timestamp.TryParseDateTime(line, out var local, out var consumed))
        {
            return false;
        }

        rest = line[consumed..];
        if (rest.Length > 1 && rest[0] == ' ' && (rest[1] == '+' || rest[1] == '-')
            && Utf8Timestamp.TryParseOffset(rest[1..], out var offset, out var used) && used == 5)
        {
            timestamp = new DateTimeOffset(local, offset);
            rest = rest[(1 + used)..];
        }
        else
        {
            timestamp = Utf8Timestamp.InZone(local, zone);
        }

        rest = rest.TrimStart((byte)' ');
        if (!rest.IsEmpty && rest[0] == '[')
        {
            var close = rest.IndexOf((byte)']');
            if (close > 0)
            {
                rest = rest[(close + 1)..].TrimStart((byte)' ');
            }
        }

        return true;
    }

    /// <summary>
    /// Reads a message id (<c>1dOqvZ-0002HB-Ob</c>, or Exim 4.97's longer <c>1rXxYz-000AbCdEfGh-1234</c>) and the
    /// text after it.
    /// </summary>
    internal static bool TryReadMessageId(ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> messageId, out ReadOnlySpan<byte> afterId)
    {
        messageId = default;
        afterId = default;
        var word = Utf8Text.FirstWord(rest);
        if (word.Length is < 16 or > 23 || word[6] != '-' || (word[^3] != '-' && word[^5] != '-'))
        {
            return false;
        }

        foreach (var b in word)
        {
            if (b != '-' && !char.IsAsciiLetterOrDigit((char)b))
            {
                return false;
            }
        }

        messageId = word;
        afterId = rest.Length > word.Length ? rest[(word.Length + 1)..] : default;
        return true;
    }

    private void OnArrival(ulong key, ReadOnlySpan<byte> messageId, ReadOnlySpan<byte> body, DateTimeOffset timestamp)
    {
        var sender = Utf8Text.FirstWord(body);
        var fields = Fields.Read(body[sender.Length..]);
        var senderDomain = _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(sender)), lowerCase: true);
        Remember(key, new Arrival(senderDomain, fields.Size));

        // Only SMTP from another host is mail flow: not P=local, local-smtp (-bs), spam-scanned, nor loopback.
        var protocol = fields.Protocol;
        if (protocol.IndexOf("smtp"u8) < 0 || protocol.StartsWith("local"u8)
            || Utf8Text.IsLoopback(fields.HostIp))
        {
            return;
        }

        var submission = fields.Authenticated || protocol[^1] == 'a';
        _context.Sink.OnRecord(new MailRecord
        {
            Timestamp = timestamp,
            Direction = submission ? Direction.Submission : Direction.Inbound,
            Tls = Tls(fields, protocol.IndexOf("smtps"u8) >= 0),
            Cipher = _strings.Get(fields.Cipher),
            Auth = Auth(fields, arrival: true),
            CipherClass = Classify(fields),
            RemoteHost = _strings.Get(fields.HostName, lowerCase: true),
            RemoteIp = _strings.Get(fields.HostIp),
            SenderDomain = senderDomain,
            RecipientDomain = _strings.Get(Utf8Text.AddressDomain(fields.FirstRecipient), lowerCase: true),
            Recipients = Math.Max(1, fields.RecipientCount),
            Bytes = fields.Size,
            Service = _strings.Get(protocol),
            SourceHost = _context.Options.SourceHost,
            LogId = _strings.Get(messageId),
        });
    }

    private void OnDelivery(ulong key, ReadOnlySpan<byte> messageId, ReadOnlySpan<byte> body, DateTimeOffset timestamp)
    {
        // A new delivery of the same message (another host) completes the one held before it.
        if (_pending.Remove(key, out var previous))
        {
            _context.Sink.OnRecord(previous);
        }

        var recipient = Utf8Text.FirstWord(body);
        var fields = Fields.Read(body[recipient.Length..]);

        // Local deliveries (no H=: local_delivery, pipe, file, lmtp socket) and loopback relays are not mail flow.
        if (fields.HostIp.IsEmpty || Utf8Text.IsLoopback(fields.HostIp))
        {
            return;
        }

        _arrivals.TryGetValue(key, out var arrival);
        var sender = fields.Sender.IsEmpty ? arrival.SenderDomain : _strings.Get(Utf8Text.AddressDomain(fields.Sender), lowerCase: true);
        if (_pending.Count >= MaxPending)
        {
            Complete();
        }

        _pending[key] = new MailRecord
        {
            Timestamp = timestamp,
            Direction = Direction.Outbound,
            Tls = Tls(fields, false),
            Cipher = _strings.Get(fields.Cipher),
            Auth = Auth(fields, arrival: false),
            CipherClass = Classify(fields),
            RemoteHost = _strings.Get(fields.HostName, lowerCase: true),
            RemoteIp = _strings.Get(fields.HostIp),
            SenderDomain = sender,
            RecipientDomain = _strings.Get(Utf8Text.AddressDomain(Utf8Text.AngleAddress(recipient)), lowerCase: true),
            Recipients = 1,
            Bytes = fields.Size > 0 ? fields.Size : arrival.Size,
            Service = _strings.Get(fields.Transport.IsEmpty ? fields.Router : fields.Transport),
            SourceHost = _context.Options.SourceHost,
            LogId = _strings.Get(messageId),
        };
    }

    /// <summary>
    /// <c>CV=</c> (deliver.c <c>d_tlslog</c>, smtp_in.c <c>add_tls_info_for_log</c>): <c>dane</c> verified by DANE;
    /// <c>yes</c> verified against a CA (on deliveries the smtp transport also checks the name,
    /// <c>tls_verify_cert_hostnames</c>; a client's name is never checked: trusted); <c>no</c> not verified:
    /// untrusted, except an arrival that shows no <c>DN=</c> of a client certificate: before 4.99 Exim wrote
    /// <c>CV=no</c> also when the client sent none, so "no certificate" and "not verified" cannot be told apart:
    /// unknown. Since 4.99 an arrival has <c>CV=</c> only when the client sent a certificate: a TLS arrival
    /// (<c>X=</c>) without it is anonymous (before 4.99 the default selectors always wrote it).
    /// </summary>
    private static TransitAuth Auth(in Fields fields, bool arrival)
    {
        var verified = fields.CertificateVerified;
        if (verified.SequenceEqual("dane"u8))
        {
            return TransitAuth.Verified;
        }

        if (verified.SequenceEqual("yes"u8))
        {
            return arrival ? TransitAuth.Trusted : TransitAuth.Verified;
        }

        if (verified.SequenceEqual("no"u8))
        {
            return !arrival || fields.HasPeerDn ? TransitAuth.Untrusted : TransitAuth.Unknown;
        }

        return arrival && verified.IsEmpty && !fields.HasPeerDn && !fields.TlsProtocol.IsEmpty ? TransitAuth.Anonymous : TransitAuth.Unknown;
    }

    /// <summary>Classifies the <c>X=</c> cipher (its name and the bits in use).</summary>
    private CipherClass Classify(in Fields fields) => _ciphers.Classify(fields.Cipher, fields.Bits);

    private readonly CipherClassCache _ciphers = new();

    private static TlsVersion Tls(in Fields fields, bool protocolSaysTls)
    {
        if (fields.TlsProtocol.IsEmpty)
        {
            // P=esmtps without X= (log_selector -tls_cipher): TLS, version not logged.
            return protocolSaysTls ? TlsVersion.Unknown : TlsVersion.None;
        }

        return TlsVersions.TryNormalize(fields.TlsProtocol, out var version) ? version : TlsVersion.Unknown;
    }

    private void Remember(ulong key, Arrival arrival)
    {
        if (_arrivals.Count >= MaxArrivals)
        {
            // A log without Completed lines: forget the oldest-known generation rather than grow.
            _arrivals.Clear();
        }

        _arrivals[key] = arrival;
    }

    private readonly record struct Arrival(string? SenderDomain, long Size);

    /// <summary>The <c>key=value</c> fields of an arrival or delivery line, as spans of the line.</summary>
    private ref struct Fields
    {
        public ReadOnlySpan<byte> HostName;
        public ReadOnlySpan<byte> HostIp;
        public ReadOnlySpan<byte> Protocol;
        public ReadOnlySpan<byte> TlsProtocol;
        public ReadOnlySpan<byte> Cipher;
        public int Bits;
        public ReadOnlySpan<byte> CertificateVerified;
        public bool HasPeerDn;
        public ReadOnlySpan<byte> Router;
        public ReadOnlySpan<byte> Transport;
        public ReadOnlySpan<byte> Sender;
        public ReadOnlySpan<byte> FirstRecipient;
        public int RecipientCount;
        public long Size;
        public bool Authenticated;

        public static Fields Read(ReadOnlySpan<byte> text)
        {
            var fields = default(Fields);
            while (true)
            {
                text = text.TrimStart((byte)' ');
                if (text.IsEmpty)
                {
                    return fields;
                }

                var word = Utf8Text.FirstWord(text);
                var equals = word.IndexOf((byte)'=');
                if (word.SequenceEqual("for"u8))
                {
                    // log_selector +received_recipients: "for a@example.org b@example.org" ends the line.
                    var recipients = text[3..];
                    while (!(recipients = recipients.TrimStart((byte)' ')).IsEmpty)
                    {
                        var recipient = Utf8Text.FirstWord(recipients);
                        if (fields.RecipientCount++ == 0)
                        {
                            fields.FirstRecipient = recipient;
                        }

                        recipients = recipients[recipient.Length..];
                    }

                    return fields;
                }

                if (equals <= 0)
                {
                    text = text[word.Length..];
                    continue;
                }

                var name = word[..equals];
                var value = text[(equals + 1)..];
                int length;
                if (name.SequenceEqual("H"u8))
                {
                    length = HostLength(value);
                    ReadHost(value[..length], ref fields);
                }
                else if (!value.IsEmpty && value[0] == '"')
                {
                    length = QuotedLength(value);
                    fields.HasPeerDn |= name.SequenceEqual("DN"u8);
                }
                else
                {
                    length = Utf8Text.FirstWord(value).Length;
                    var v = value[..length];
                    switch (name.Length)
                    {
                        case 1 when name[0] == 'P':
                            fields.Protocol = v;
                            break;
                        case 1 when name[0] == 'X':
                            ReadTls(v, ref fields);
                            break;
                        case 1 when name[0] == 'S':
                            Utf8Text.TryParseInt64(v, out fields.Size);
                            break;
                        case 1 when name[0] == 'A':
                            fields.Authenticated = true;
                            break;
                        case 1 when name[0] == 'R':
                            fields.Router = v;
                            break;
                        case 1 when name[0] == 'T':
                            fields.Transport = v;
                            break;
                        case 1 when name[0] == 'F':
                            fields.Sender = Utf8Text.AngleAddress(v);
                            break;
                        case 2 when name[0] == 'C' && name[1] == 'V':
                            fields.CertificateVerified = v;
                            break;
                    }
                }

                text = value[length..];
            }
        }

        /// <summary>
        /// <c>X=version:cipher:bits[:group]</c> (tls-openssl.c <c>construct_cipher_name</c>, tls-gnu.c
        /// <c>peer_status</c>): OpenSSL <c>TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256</c>, GnuTLS
        /// <c>TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM:256</c>; after 4.99 the key-exchange group
        /// may follow (<c>:X25519</c>), and <c>+tls_resumption</c> marks a resumed session with a trailing <c>*</c>.
        /// </summary>
        private static void ReadTls(ReadOnlySpan<byte> value, ref Fields fields)
        {
            value = value.TrimEnd((byte)'*');
            var colon = value.IndexOf((byte)':');
            var protocol = colon < 0 ? value : value[..colon];

            // GnuTLS's session description may name the certificate type ("TLS1.2-PKIX"); Exim cuts it off too.
            var dash = protocol.IndexOf((byte)'-');
            fields.TlsProtocol = dash > 0 ? protocol[..dash] : protocol;
            if (colon < 0)
            {
                return;
            }

            var cipher = value[(colon + 1)..];
            var end = cipher.IndexOf((byte)':');
            fields.Cipher = end < 0 ? cipher : cipher[..end];
            if (end >= 0)
            {
                var bits = cipher[(end + 1)..];
                var next = bits.IndexOf((byte)':');
                if (Utf8Text.TryParseInt64(next < 0 ? bits : bits[..next], out var used))
                {
                    fields.Bits = (int)Math.Clamp(used, 0, int.MaxValue);
                }
            }
        }

        /// <summary>The length of an <c>H=</c> value: <c>name</c>, <c>(helo)</c> and <c>[ip]:port</c> parts.</summary>
        private static int HostLength(ReadOnlySpan<byte> value)
        {
            var position = 0;
            while (position < value.Length)
            {
                if (value[position] == '(')
                {
                    var close = value[position..].IndexOf((byte)')');
                    position = close < 0 ? value.Length : position + close + 1;
                }
                else
                {
                    position += Utf8Text.FirstWord(value[position..]).Length;
                }

                // "+dnssec" puts DS between the name and the address of a DNSSEC-secured host.
                if (value[position..].StartsWith(" DS ["u8))
                {
                    position += 4;
                    continue;
                }

                // Another part follows when the next word opens a helo or an address.
                if (position + 1 < value.Length && value[position] == ' ' && (value[position + 1] == '(' || value[position + 1] == '['))
                {
                    position++;
                    continue;
                }

                break;
            }

            return position;
        }

        private static void ReadHost(ReadOnlySpan<byte> value, ref Fields fields)
        {
            var open = value.LastIndexOf((byte)'[');
            if (open >= 0)
            {
                var close = value[open..].IndexOf((byte)']');
                fields.HostIp = close < 0 ? value[(open + 1)..] : value.Slice(open + 1, close - 1);
            }

            if (!value.IsEmpty && value[0] != '(' && value[0] != '[')
            {
                fields.HostName = Utf8Text.FirstWord(value);
            }
            else if (!value.IsEmpty && value[0] == '(')
            {
                // No verified name: the client's HELO, as it said it.
                var close = value.IndexOf((byte)')');
                fields.HostName = close < 0 ? default : value[1..close];
            }
        }

        private static int QuotedLength(ReadOnlySpan<byte> value)
        {
            for (var i = 1; i < value.Length; i++)
            {
                if (value[i] == '\\')
                {
                    i++;
                }
                else if (value[i] == '"')
                {
                    return i + 1;
                }
            }

            return value.Length;
        }
    }
}
