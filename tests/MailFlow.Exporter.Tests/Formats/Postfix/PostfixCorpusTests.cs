using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Postfix;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Formats.Postfix;

// The real 69,861-line Postfix log of the shared corpus. Expected numbers come from the log itself, with shell
// tools (x = the decompressed corpus):
// # client= lines from smtpd services, loopback excluded: 177 (161 postfix/smtpd, 16 postfix/submission/smtpd;
// # the 180 postfix/10025/smtpd ones are amavis re-injections from 127.0.0.1). All 16 submissions carry sasl_username=.
// grep -E 'smtpd\[[0-9]+\]: [0-9A-Za-z]+: client=' x | grep -v '\[127\.0\.0\.1\]' | wc -l
// # 2 of them (4PcgCs64zpz3tBr, 4PcgCt6pvGz3tBr, mx.tactilelive.com) never reach qmgr: their sessions end
// # "mail=1 rcpt=1 quit=1" without DATA, so no message was received. 175 messages remain.
// # TLS per message, from the summary inside its own session (connect..disconnect of the pid), with awk:
// awk '$3 ~ /smtpd\[/ { k=$3
//   if ($4=="connect") tls[k]="none"
//   else if (/TLS connection established from/) { for(i=1;i<=NF;i++) if ($i ~ /^TLSv/) tls[k]=$i }
//   else if ($5 ~ /^client=/ && $5 !~ /127\.0\.0\.1/) { id=$4; d[id]=(/sasl_username=/?"submission":"inbound"); t[id]=tls[k] } }
//   /qmgr.*: from=/ { id=$4; q[id]=1 }
//   END { for (id in d) if (id in q) c[d[id]" "t[id]]++; for (x in c) print c[x], x }' x
// # => inbound TLSv1.2 78, inbound TLSv1.3 63, inbound none 18, submission TLSv1.3 16.
// # No disconnect with starttls= lacks a summary in its session, so nothing is "unknown".
// # Joining each message to "the last TLS line of its pid" instead would give only 2 plaintext messages:
// # 16 of the 18 plaintext messages come on an smtpd pid that earlier served a TLS session (the probe).
// # Outbound: postfix/smtp status=sent lines with a non-loopback relay: 3 (mx01.emig.gmx.net, mx-ha02.web.de,
// # aspmx.l.google.com), each preceded by "Trusted TLS connection established to" the same relay on the same
// # pid with TLSv1.3. The 181 postfix/amavis/smtp deliveries go to 127.0.0.1:10024 and are not counted.
// grep -E 'postfix/smtp\[[0-9]+\]: .*status=sent' x
public sealed class PostfixCorpusTests
{
    private static readonly Lazy<(CollectingSink Sink, Input.InputResult Result)> Parsed =
        new(() => CollectingSink.Parse(RepoPaths.PostfixCorpus, new PostfixFormat()));

    private static int Count(Direction direction, TlsVersion tls) =>
        Parsed.Value.Sink.Records.Count(r => r.Direction == direction && r.Tls == tls);

    [Fact]
    public void Parse_Corpus_InboundByTlsVersionMatchesSessions()
    {
        Assert.Equal(78, Count(Direction.Inbound, TlsVersion.Tls12));
        Assert.Equal(63, Count(Direction.Inbound, TlsVersion.Tls13));
        Assert.Equal(18, Count(Direction.Inbound, TlsVersion.None));
        Assert.Equal(159, Parsed.Value.Sink.Records.Count(r => r.Direction == Direction.Inbound));
    }

    [Fact]
    public void Parse_Corpus_SubmissionsAreTls13WithSasl()
    {
        Assert.Equal(16, Count(Direction.Submission, TlsVersion.Tls13));
        Assert.Equal(16, Parsed.Value.Sink.Records.Count(r => r.Direction == Direction.Submission));
        Assert.All(Parsed.Value.Sink.Records.Where(r => r.Direction == Direction.Submission), r => Assert.Equal("postfix/submission/smtpd", r.Service));
    }

    [Fact]
    public void Parse_Corpus_ThreeOutboundTls13Deliveries()
    {
        var outbound = Parsed.Value.Sink.Records.Where(r => r.Direction == Direction.Outbound).OrderBy(r => r.Timestamp).ToList();
        Assert.Equal(3, outbound.Count);
        Assert.All(outbound, r => Assert.Equal(TlsVersion.Tls13, r.Tls));
        Assert.Equal(["mx01.emig.gmx.net", "mx-ha02.web.de", "aspmx.l.google.com"], outbound.Select(r => r.RemoteHost));
        Assert.Equal(["gmx.de", "web.de", "nebenan.de"], outbound.Select(r => r.RecipientDomain));
    }

    // Auth level and cipher class per message: the same session rule as above, keeping the trust word ($4) and the
    // word after "cipher" of the session's summary:
    // awk '$3 ~ /smtpd\[/ { k=$3
    //   if ($4=="connect") { tls[k]="none"; tr[k]="none"; ci[k]="-" }
    //   else if (/TLS connection established from/) { tr[k]=$4; for(i=1;i<=NF;i++) { if ($i ~ /^TLSv/) tls[k]=$i; if ($i=="cipher") ci[k]=$(i+1) } }
    //   else if ($5 ~ /^client=/ && $5 !~ /127\.0\.0\.1/) { id=$4; d[id]=(/sasl_username=/?"submission":"inbound"); t[id]=tls[k]" "tr[k]" "ci[k] } }
    //   /qmgr.*: from=/ { id=$4; q[id]=1 }
    //   END { for (id in d) if (id in q) c[d[id]" "t[id]]++; for (x in c) print c[x], x }' x
    // # => inbound TLSv1.2 Anonymous ECDHE-RSA-AES256-GCM-SHA384 63, ECDHE-RSA-AES128-GCM-SHA256 3, ECDHE-RSA-AES128-SHA256 12;
    // #    inbound TLSv1.3 Anonymous TLS_AES_256_GCM_SHA384 49, TLS_AES_128_GCM_SHA256 14; inbound none 18;
    // #    submission TLSv1.3 Anonymous TLS_AES_256_GCM_SHA384 16.
    // # Every smtpd summary is "Anonymous" (grep -oE '(Anonymous|Untrusted|Trusted|Verified) TLS connection' x | sort | uniq -c:
    // # 5,639 Anonymous, 3 Trusted): inbound anonymous 141 (78 + 63), none 18; submission anonymous 16.
    // # Cipher: GCM suites and TLS 1.3 are strong (63 + 3 + 63 = 129 inbound, 16 submission); ECDHE-RSA-AES128-SHA256
    // # is AES-CBC with HMAC-SHA256 (OpenSSL names no mode for CBC): legacy 12; plaintext none 18.
    // # Outbound: the 3 deliveries follow "Trusted TLS connection established to" with TLS_AES_256_GCM_SHA384: trusted 3, strong 3.
    [Fact]
    public void Parse_Corpus_AuthAndCipherClassByDirectionMatchTheSummaries()
    {
        var records = Parsed.Value.Sink.Records;
        int Auth(Direction d, TransitAuth a) => records.Count(r => r.Direction == d && r.Auth == a);
        int Cipher(Direction d, CipherClass c) => records.Count(r => r.Direction == d && r.CipherClass == c);

        Assert.Equal(141, Auth(Direction.Inbound, TransitAuth.Anonymous));
        Assert.Equal(18, Auth(Direction.Inbound, TransitAuth.None));
        Assert.Equal(129, Cipher(Direction.Inbound, CipherClass.Strong));
        Assert.Equal(12, Cipher(Direction.Inbound, CipherClass.Legacy));
        Assert.Equal(18, Cipher(Direction.Inbound, CipherClass.None));
        Assert.Equal(16, Auth(Direction.Submission, TransitAuth.Anonymous));
        Assert.Equal(16, Cipher(Direction.Submission, CipherClass.Strong));
        Assert.Equal(3, Auth(Direction.Outbound, TransitAuth.Trusted));
        Assert.Equal(3, Cipher(Direction.Outbound, CipherClass.Strong));
        Assert.Equal(12, records.Count(r => r.Cipher == "ECDHE-RSA-AES128-SHA256"));
    }

    [Fact]
    public void Parse_Corpus_NoLoopbackRecordAndNoProblems()
    {
        Assert.DoesNotContain(Parsed.Value.Sink.Records, r => r.RemoteIp is not null && r.RemoteIp.StartsWith("127.", StringComparison.Ordinal));
        Assert.DoesNotContain(Parsed.Value.Sink.Records, r => r.Service == "postfix/10025/smtpd" || r.Service == "postfix/amavis/smtp");
        // No line is misunderstood; the only note is the reader's about line 22,827 (postscreen quotes a client's binary garbage).
        Assert.DoesNotContain(Parsed.Value.Sink.Problems, p => p.Severity != ProblemSeverity.Notice);
        Assert.Contains(Parsed.Value.Sink.Problems, p => p.Reason == "invalid UTF-8" && p.Line == 22_827);
        Assert.Equal(69_861, Parsed.Value.Result.Lines.Lines);
    }

    [Fact]
    public void Parse_Corpus_AmavisLinesAreOtherProgramsNotProblems()
    {
        // Every line but amavis's comes from a postfix/... program: awk '$3 !~ /^postfix/' x | wc -l => 272, all amavis[pid].
        Assert.Equal(272, Parsed.Value.Result.Lines.OtherProgramLines);
        Assert.Equal(0, Parsed.Value.Result.Lines.NulLines);
    }

    [Fact]
    public void Parse_Corpus_FirstMessageHasSenderRecipientAndSize()
    {
        // 2023-03-14T00:08:33 4PbC4x469Jz3tBr: client=mail.nistoresio.co.cz[185.31.160.120], plaintext session;
        // qmgr: from=<ajmyjyz@nistoresio.co.cz>, size=175061, nrcpt=1; amavis: orig_to=<frank@brehm-berlin.de>.
        var record = Assert.Single(Parsed.Value.Sink.Records, r => r.LogId == "4PbC4x469Jz3tBr");
        Assert.Equal(Direction.Inbound, record.Direction);
        Assert.Equal(TlsVersion.None, record.Tls);
        Assert.Equal("nistoresio.co.cz", record.SenderDomain);
        Assert.Equal("brehm-berlin.de", record.RecipientDomain);
        Assert.Equal(175061, record.Bytes);
        Assert.Equal(1, record.Recipients);
        Assert.Equal("185.31.160.120", record.RemoteIp);
        Assert.Equal("helga", record.SourceHost);
        Assert.Equal(new DateTimeOffset(2023, 3, 13, 23, 8, 33, TimeSpan.Zero).AddTicks(5796440), record.Timestamp);
    }
}
