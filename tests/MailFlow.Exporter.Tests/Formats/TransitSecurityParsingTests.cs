using System.Text;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Formats.Csv;
using MailFlow.Exporter.Formats.Exchange;
using MailFlow.Exporter.Formats.Exim;
using MailFlow.Exporter.Formats.Postfix;
using MailFlow.Exporter.Formats.Sendmail;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats;

/// <summary>
/// Auth level and cipher class per message, in every spelling of every format (docs/log-formats.md, "Transit
/// security"), and the one cipher classifier behind them.
/// </summary>
public sealed class TransitSecurityParsingTests
{
    private static readonly ParseOptions Utc = new() { TimeZone = TimeZoneInfo.Utc };

    [Theory]
    // TLS 1.3 suites (IANA names; OpenSSL logs them the same way).
    [InlineData("TLS_AES_256_GCM_SHA384", 256, CipherClass.Strong)]
    [InlineData("TLS_AES_128_GCM_SHA256", 128, CipherClass.Strong)]
    [InlineData("TLS_CHACHA20_POLY1305_SHA256", 256, CipherClass.Strong)]
    [InlineData("TLS_AES_128_CCM_SHA256", 128, CipherClass.Strong)]
    // IANA TLS 1.2 names.
    [InlineData("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 128, CipherClass.Strong)]
    [InlineData("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 256, CipherClass.Strong)]
    [InlineData("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 256, CipherClass.Legacy)]
    [InlineData("TLS_RSA_WITH_3DES_EDE_CBC_SHA", 112, CipherClass.Weak)]
    [InlineData("TLS_RSA_WITH_RC4_128_SHA", 128, CipherClass.Weak)]
    [InlineData("TLS_RSA_WITH_NULL_SHA256", 0, CipherClass.Weak)]
    [InlineData("TLS_RSA_EXPORT_WITH_RC4_40_MD5", 40, CipherClass.Weak)]
    // OpenSSL names: the mode is implied (no GCM/CCM/CHACHA20: CBC).
    [InlineData("ECDHE-RSA-AES256-GCM-SHA384", 256, CipherClass.Strong)]
    [InlineData("ECDHE-ECDSA-CHACHA20-POLY1305", 256, CipherClass.Strong)]
    [InlineData("DHE-RSA-AES128-CCM8", 128, CipherClass.Strong)]
    [InlineData("ECDHE-RSA-AES128-SHA", 128, CipherClass.Legacy)]
    [InlineData("DHE-RSA-AES256-SHA", 256, CipherClass.Legacy)]
    [InlineData("AES256-SHA256", 256, CipherClass.Legacy)]
    [InlineData("DHE-RSA-CAMELLIA256-SHA", 256, CipherClass.Legacy)]
    [InlineData("DES-CBC3-SHA", 168, CipherClass.Weak)]
    [InlineData("EDH-RSA-DES-CBC-SHA", 56, CipherClass.Weak)]
    [InlineData("RC4-SHA", 128, CipherClass.Weak)]
    [InlineData("RC4-MD5", 128, CipherClass.Weak)]
    [InlineData("EXP-RC2-CBC-MD5", 40, CipherClass.Weak)]
    [InlineData("EXP1024-DES-CBC-SHA", 56, CipherClass.Weak)]
    [InlineData("NULL-SHA", 0, CipherClass.Weak)]
    // GnuTLS names (Exim).
    [InlineData("ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM", 256, CipherClass.Strong)]
    [InlineData("ECDHE_RSA_AES_256_CBC_SHA1", 256, CipherClass.Legacy)]
    // Fewer than 128 bits is weak whatever the name; an unknown name is unknown, never guessed.
    [InlineData("ECDHE-RSA-AES256-GCM-SHA384", 64, CipherClass.Weak)]
    [InlineData("SOMETHING-NEW", 256, CipherClass.Unknown)]
    [InlineData("", 0, CipherClass.Unknown)]
    // Schannel names no mode: AES alone is unknown here (the Exchange parser decides from the MAC); RC4/DES are weak.
    [InlineData("CALG_AES_256", 256, CipherClass.Unknown)]
    [InlineData("CALG_RC4", 128, CipherClass.Weak)]
    [InlineData("CALG_3DES", 168, CipherClass.Weak)]
    public void ClassifyCipher_EverySpelling(string name, int bits, CipherClass expected)
    {
        Assert.Equal(expected, TransitSecurity.ClassifyCipher(name.AsSpan(), bits));
        Assert.Equal(expected, TransitSecurity.ClassifyCipher(Encoding.ASCII.GetBytes(name), bits));
    }

    [Fact]
    public void WireNames_RoundTrip()
    {
        Assert.Equal(["verified", "trusted", "untrusted", "anonymous", "none", "unknown"], TransitSecurity.AuthLevels.Select(a => a.ToWire()));
        Assert.Equal(["strong", "legacy", "weak", "none", "unknown"], TransitSecurity.CipherClasses.Select(c => c.ToWire()));
        Assert.All(TransitSecurity.AuthLevels, a => Assert.True(TransitSecurity.TryParseAuth(a.ToWire().ToUpperInvariant(), out var back) && back == a));
        Assert.All(TransitSecurity.CipherClasses, c => Assert.True(TransitSecurity.TryParseCipherClass(c.ToWire(), out var back) && back == c));
        Assert.False(TransitSecurity.TryParseAuth("maybe", out _));
    }

    [Fact]
    public void Record_PlaintextIsNoneAndTls13IsStrong_WhateverTheParserSet()
    {
        var plaintext = new MailRecord { Timestamp = default, Direction = Direction.Inbound, Tls = TlsVersion.None, Auth = TransitAuth.Verified, CipherClass = CipherClass.Weak };
        Assert.Equal(TransitAuth.None, plaintext.Auth);
        Assert.Equal(CipherClass.None, plaintext.CipherClass);
        var tls13 = new MailRecord { Timestamp = default, Direction = Direction.Inbound, Tls = TlsVersion.Tls13 };
        Assert.Equal(CipherClass.Strong, tls13.CipherClass);
        Assert.Equal(TransitAuth.Unknown, tls13.Auth);
    }

    // ---- Postfix: the trust word and "with cipher NAME (used/max bits)" ----

    [Theory]
    [InlineData("Anonymous TLS connection established from a.example[192.0.2.7]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256", TransitAuth.Anonymous, CipherClass.Strong)]
    [InlineData("Untrusted TLS connection established from a.example[192.0.2.7]: TLSv1.2 with cipher ECDHE-RSA-AES256-SHA384 (256/256 bits)", TransitAuth.Untrusted, CipherClass.Legacy)]
    [InlineData("Trusted TLS connection established from a.example[192.0.2.7]: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)", TransitAuth.Trusted, CipherClass.Strong)]
    [InlineData("Verified TLS connection established from a.example[192.0.2.7]: TLSv1 with cipher DES-CBC3-SHA (168/168 bits)", TransitAuth.Verified, CipherClass.Weak)]
    [InlineData("Anonymous TLS connection established from a.example[192.0.2.7]: TLSv1 with cipher EXP-RC4-MD5 (40/128 bits)", TransitAuth.Anonymous, CipherClass.Weak)]
    [InlineData("Anonymous TLS connection established from a.example[192.0.2.7]: TLSv1.2 with cipher ADH-AES256-GCM-SHA384 (256/256 bits)", TransitAuth.Anonymous, CipherClass.Strong)]
    // Postfix 2.2 wrote no trust word: the log does not say.
    [InlineData("TLS connection established from a.example[192.0.2.7]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)", TransitAuth.Unknown, CipherClass.Legacy)]
    public void Postfix_InboundSummary_GivesAuthAndCipherClass(string summary, TransitAuth auth, CipherClass cipher)
    {
        var record = Assert.Single(ParseLines(new PostfixFormat(),
        [
            "2026-03-01T10:00:00Z mx1 postfix/smtpd[1]: connect from a.example[192.0.2.7]",
            "2026-03-01T10:00:00Z mx1 postfix/smtpd[1]: " + summary,
            "2026-03-01T10:00:01Z mx1 postfix/smtpd[1]: ABCDE12345: client=a.example[192.0.2.7]",
            "2026-03-01T10:00:01Z mx1 postfix/qmgr[2]: ABCDE12345: from=<x@a.example>, size=1, nrcpt=1 (queue active)",
            "2026-03-01T10:00:02Z mx1 postfix/smtpd[1]: disconnect from a.example[192.0.2.7] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7",
        ]));
        Assert.Equal(auth, record.Auth);
        Assert.Equal(cipher, record.CipherClass);
    }

    [Fact]
    public void Postfix_OutboundDeliveries_TakeTheirRelaysSummary_AndPlaintextIsNone()
    {
        var records = ParseLines(new PostfixFormat(),
        [
            "2026-03-01T10:00:00Z mx1 postfix/smtp[5]: Verified TLS connection established to mx.partner.example[198.51.100.1]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
            "2026-03-01T10:00:01Z mx1 postfix/smtp[5]: AAAAA11111: to=<a@partner.example>, relay=mx.partner.example[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
            "2026-03-01T10:00:02Z mx1 postfix/smtp[6]: Untrusted TLS connection established to mx.other.example[198.51.100.2]:25: TLSv1.2 with cipher AES128-SHA (128/128 bits)",
            "2026-03-01T10:00:03Z mx1 postfix/smtp[6]: BBBBB22222: to=<b@other.example>, relay=mx.other.example[198.51.100.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
            "2026-03-01T10:00:04Z mx1 postfix/smtp[7]: CCCCC33333: to=<c@plain.example>, relay=mx.plain.example[198.51.100.3]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
            "2026-03-01T10:00:05Z mx1 postfix/qmgr[2]: AAAAA11111: removed",
            "2026-03-01T10:00:05Z mx1 postfix/qmgr[2]: BBBBB22222: removed",
            "2026-03-01T10:00:05Z mx1 postfix/qmgr[2]: CCCCC33333: removed",
        ]);
        Assert.Equal((TransitAuth.Verified, CipherClass.Strong), Of(records, "AAAAA11111"));
        Assert.Equal((TransitAuth.Untrusted, CipherClass.Legacy), Of(records, "BBBBB22222"));
        Assert.Equal((TransitAuth.None, CipherClass.None), Of(records, "CCCCC33333"));
    }

    [Fact]
    public void Postfix_PlaintextSessionAfterTlsOnSamePid_IsNone()
    {
        var records = ParseLines(new PostfixFormat(),
        [
            "2026-03-01T10:00:00Z mx1 postfix/smtpd[1]: connect from a.example[192.0.2.7]",
            "2026-03-01T10:00:00Z mx1 postfix/smtpd[1]: Anonymous TLS connection established from a.example[192.0.2.7]: TLSv1.2 with cipher RC4-SHA (128/128 bits)",
            "2026-03-01T10:00:02Z mx1 postfix/smtpd[1]: disconnect from a.example[192.0.2.7] ehlo=2 starttls=1 quit=1 commands=4",
            "2026-03-01T10:00:03Z mx1 postfix/smtpd[1]: connect from b.example[192.0.2.8]",
            "2026-03-01T10:00:04Z mx1 postfix/smtpd[1]: DDDDD44444: client=b.example[192.0.2.8]",
            "2026-03-01T10:00:04Z mx1 postfix/qmgr[2]: DDDDD44444: from=<x@b.example>, size=1, nrcpt=1 (queue active)",
            "2026-03-01T10:00:05Z mx1 postfix/smtpd[1]: disconnect from b.example[192.0.2.8] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
        ]);
        Assert.Equal((TransitAuth.None, CipherClass.None), Of(records, "DDDDD44444"));
    }

    // ---- Exim: CV= and the middle and last parts of X= ----

    [Fact]
    public void Exim_CvAndX_OnArrivalsAndDeliveries()
    {
        var records = ParseLines(new EximFormat(),
        [
            // Arrivals: a client's certificate is never name-checked (CV=yes: trusted); CV=no with DN=: untrusted;
            // CV=no without DN=: no certificate and "not verified" look the same: unknown.
            "2026-11-26 10:00:00 1vAa01-000Aa1-01 <= a@a.example H=mail.a.example [192.0.2.1]:41000 P=esmtps X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes DN=\"CN=mail.a.example\" S=10",
            "2026-11-26 10:00:01 1vAa02-000Aa2-02 <= b@b.example H=mail.b.example [192.0.2.2]:41000 P=esmtps X=TLSv1.2:ECDHE-RSA-AES256-SHA384:256 CV=no DN=\"CN=self-signed\" S=10",
            "2026-11-26 10:00:02 1vAa03-000Aa3-03 <= c@c.example H=mail.c.example [192.0.2.3]:41000 P=esmtps X=TLSv1:DES-CBC3-SHA:168 CV=no S=10",
            "2026-11-26 10:00:03 1vAa04-000Aa4-04 <= d@d.example H=mail.d.example [192.0.2.4]:41000 P=esmtp S=10",
            // Deliveries: CV=yes verified (chain and name), CV=dane verified, CV=no untrusted, no CV: unknown.
            "2026-11-26 10:00:04 1vAa01-000Aa1-01 => x@p.example R=dnslookup T=remote_smtp H=mx.p.example [198.51.100.1]:25 X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=yes",
            "2026-11-26 10:00:05 1vAa02-000Aa2-02 => y@q.example R=dnslookup T=remote_smtp H=mx.q.example [198.51.100.2]:25 X=TLSv1.2:ECDHE-RSA-CHACHA20-POLY1305:256 CV=dane",
            "2026-11-26 10:00:06 1vAa03-000Aa3-03 => z@r.example R=dnslookup T=remote_smtp H=mx.r.example [198.51.100.3]:25 X=TLSv1.2:RC4-SHA:128 CV=no",
            "2026-11-26 10:00:07 1vAa04-000Aa4-04 => w@s.example R=dnslookup T=remote_smtp H=mx.s.example [198.51.100.4]:25 X=TLSv1.2:ECDHE-RSA-AES128-SHA:128",
            "2026-11-26 10:00:08 1vAa05-000Aa5-05 => v@t.example R=dnslookup T=remote_smtp H=mx.t.example [198.51.100.5]:25 X=TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:64 CV=no",
        ]);
        var inbound = records.Where(r => r.Direction == Direction.Inbound).OrderBy(r => r.Timestamp).Select(r => (r.Auth, r.CipherClass));
        Assert.Equal(
            [(TransitAuth.Trusted, CipherClass.Strong), (TransitAuth.Untrusted, CipherClass.Legacy), (TransitAuth.Unknown, CipherClass.Weak), (TransitAuth.None, CipherClass.None)],
            inbound);
        var outbound = records.Where(r => r.Direction == Direction.Outbound).OrderBy(r => r.Timestamp).Select(r => (r.Auth, r.CipherClass));
        Assert.Equal(
            [(TransitAuth.Verified, CipherClass.Strong), (TransitAuth.Verified, CipherClass.Strong), (TransitAuth.Untrusted, CipherClass.Weak), (TransitAuth.Unknown, CipherClass.Legacy), (TransitAuth.Untrusted, CipherClass.Weak)],
            outbound);
    }

    [Fact]
    public void Exim_XInEveryBuildsSpelling_HostWithDnssecMark_AndArrivalWithoutCv()
    {
        // X= as tls-openssl.c construct_cipher_name and tls-gnu.c peer_status write it (Exim 4.99.1-148-g13835a3c1):
        // version:cipher:bits, then the key-exchange group since that commit's parent e35ada6dc; "*" is +tls_resumption.
        var records = ParseLines(new EximFormat(),
        [
            // 4.99+: CV= only when the client sent a certificate; none here: anonymous. GnuTLS >= 3.1.10 session description.
            "2026-11-26 11:00:00 1vAc01-000Ac1-01 <= a@a.example H=mail.a.example [192.0.2.1]:41000 P=esmtps X=TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 S=10",
            // GnuTLS, a CBC suite (its MAC is the last group).
            "2026-11-26 11:00:01 1vAc02-000Ac2-02 <= b@b.example H=mail.b.example [192.0.2.2]:41000 P=esmtps X=TLS1.2:ECDHE_SECP256R1__RSA_SHA256__AES_128_CBC__SHA256:128 CV=no DN=\"CN=self-signed\" S=10",
            // GnuTLS before 3.1.10 (gnutls_cipher_suite_get_name), and a description naming the certificate type.
            "2026-11-26 11:00:02 1vAc03-000Ac3-03 <= c@c.example H=mail.c.example [192.0.2.3]:41000 P=esmtps X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes S=10",
            "2026-11-26 11:00:03 1vAc04-000Ac4-04 <= d@d.example H=mail.d.example [192.0.2.4]:41000 P=esmtps X=TLS1.2-PKIX:ECDHE_RSA__AES_256_CBC__SHA1:256 S=10",
            // Key-exchange group after the bits; the bits, not the group, decide (64: weak).
            "2026-11-26 11:00:04 1vAc01-000Ac1-01 => x@p.example R=dnslookup T=remote_smtp H=mx.p.example [198.51.100.1]:25 X=TLS1.3:TLS_AES_256_GCM_SHA384:256:x25519 CV=yes",
            "2026-11-26 11:00:05 1vAc02-000Ac2-02 => y@q.example R=dnslookup T=remote_smtp H=mx.q.example [198.51.100.2]:25 X=TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:64:secp256r1 CV=no",
            // +dnssec: "DS" between the name and the address; +tls_resumption: a trailing "*".
            "2026-11-26 11:00:06 1vAc03-000Ac3-03 => z@r.example R=dnslookup T=remote_smtp H=mx.r.example DS [198.51.100.3]:25 X=TLS1.3:TLS_AES_128_GCM_SHA256:128* CV=dane",
        ]);
        var inbound = records.Where(r => r.Direction == Direction.Inbound).OrderBy(r => r.Timestamp).Select(r => (r.Tls, r.Auth, r.CipherClass));
        Assert.Equal(
            [(TlsVersion.Tls13, TransitAuth.Anonymous, CipherClass.Strong), (TlsVersion.Tls12, TransitAuth.Untrusted, CipherClass.Legacy),
             (TlsVersion.Tls12, TransitAuth.Trusted, CipherClass.Strong), (TlsVersion.Tls12, TransitAuth.Anonymous, CipherClass.Legacy)],
            inbound);
        var outbound = records.Where(r => r.Direction == Direction.Outbound).OrderBy(r => r.Timestamp).Select(r => (r.RemoteHost, r.RemoteIp, r.Tls, r.Cipher, r.Auth, r.CipherClass));
        Assert.Equal(
            [("mx.p.example", "198.51.100.1", TlsVersion.Tls13, "TLS_AES_256_GCM_SHA384", TransitAuth.Verified, CipherClass.Strong),
             ("mx.q.example", "198.51.100.2", TlsVersion.Tls12, "ECDHE-RSA-AES128-GCM-SHA256", TransitAuth.Untrusted, CipherClass.Weak),
             ("mx.r.example", "198.51.100.3", TlsVersion.Tls13, "TLS_AES_128_GCM_SHA256", TransitAuth.Verified, CipherClass.Strong)],
            outbound);
    }

    // ---- Sendmail: verify=, cipher=, bits= on the STARTTLS line ----

    [Theory]
    // The verify= values tls.c (tls_get_info, sendmail 8.18.0.2) writes after a handshake; TRUSTED is a DANE pass.
    [InlineData("OK", "ECDHE-RSA-AES256-GCM-SHA384", "256/256", TransitAuth.Trusted, CipherClass.Strong)]
    [InlineData("TRUSTED", "ECDHE-RSA-AES256-GCM-SHA384", "256/256", TransitAuth.Verified, CipherClass.Strong)]
    [InlineData("NO", "DHE-RSA-AES256-SHA", "256/256", TransitAuth.Anonymous, CipherClass.Legacy)]
    [InlineData("NOT", "AES128-SHA", "128/128", TransitAuth.Anonymous, CipherClass.Legacy)]
    [InlineData("FAIL", "RC4-MD5", "128/128", TransitAuth.Untrusted, CipherClass.Weak)]
    [InlineData("DANE_FAIL", "DES-CBC3-SHA", "168/168", TransitAuth.Untrusted, CipherClass.Weak)]
    [InlineData("BOGUS_DANE_RES", "ECDHE-RSA-AES128-SHA", "128/128", TransitAuth.Untrusted, CipherClass.Legacy)]
    // bits=alg_bits/cipher_bits: the second number is the secret bits in use, under 128 is weak whatever the name.
    [InlineData("DANE_TEMP", "ECDHE-RSA-AES128-GCM-SHA256", "128/56", TransitAuth.Unknown, CipherClass.Weak)]
    [InlineData("OK", "ECDHE-RSA-AES128-GCM-SHA256", "56/128", TransitAuth.Trusted, CipherClass.Strong)]
    public void Sendmail_StartTlsLine_InboundAndOutbound(string verify, string cipher, string bits, TransitAuth auth, CipherClass cipherClass)
    {
        var records = ParseLines(new SendmailFormat(),
        [
            $"Mar  5 09:00:00 pf sm-mta[101]: STARTTLS=server, relay=a.example [192.0.2.1], version=TLSv1.2, verify={verify}, cipher={cipher}, bits={bits}",
            "Mar  5 09:00:01 pf sm-mta[101]: q1AAA0001: from=<a@a.example>, size=1, class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=a.example [192.0.2.1]",
            "Mar  5 09:00:02 pf sm-mta[101]: q1AAA0001: to=<u@example.org>, delay=00:00:01, mailer=local, pri=1, dsn=2.0.0, stat=Sent",
            $"Mar  5 09:00:03 pf sm-mta[202]: STARTTLS=client, relay=mx.b.example, version=TLSv1.2, verify={verify}, cipher={cipher}, bits={bits}",
            "Mar  5 09:00:04 pf sm-mta[202]: q1AAA0002: to=<b@b.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.b.example. [198.51.100.2], dsn=2.0.0, stat=Sent (ok)",
        ]);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal((auth, cipherClass), (r.Auth, r.CipherClass)));
    }

    // ---- Exchange: the bulk algorithm and the MAC's strength on the TLS line; auth never logged ----

    [Theory]
    [InlineData("CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits", CipherClass.Strong)]
    [InlineData("CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256 with strength 0 bits", CipherClass.Strong)]
    [InlineData("CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA1 with strength 160 bits", CipherClass.Legacy)]
    [InlineData("CALG_RC4 with strength 128 bits, MAC hash algorithm CALG_MD5 with strength 128 bits", CipherClass.Weak)]
    [InlineData("CALG_3DES with strength 168 bits, MAC hash algorithm CALG_SHA1 with strength 160 bits", CipherClass.Weak)]
    [InlineData("CALG_DES with strength 56 bits, MAC hash algorithm CALG_SHA1 with strength 160 bits", CipherClass.Weak)]
    public void Exchange_TlsLine_GivesCipherClass_AuthUnknown(string algorithms, CipherClass expected)
    {
        var fixture = File.ReadAllText(Fixtures.Path("exchange", "SMTPRECV-fixture.LOG"));
        const string Session01 = "CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits";
        Assert.Contains(Session01, fixture, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"SMTPRECV-security-{Guid.NewGuid():N}.LOG");
        File.WriteAllText(path, fixture.Replace(Session01, algorithms, StringComparison.Ordinal));
        try
        {
            var (sink, _) = CollectingSink.Parse(path, new ExchangeFormat(), Utc);

            // Session 01 (mail.contoso.com, TLS 1.2) carries the line under test; session 03 is plaintext.
            var contoso = Assert.Single(sink.Records, r => r.RemoteHost == "mail.contoso.com");
            Assert.Equal(expected, contoso.CipherClass);
            Assert.Equal(TransitAuth.Unknown, contoso.Auth);
            Assert.All(sink.Records.Where(r => r.Tls == TlsVersion.None), r => Assert.Equal((TransitAuth.None, CipherClass.None), (r.Auth, r.CipherClass)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- CSV: the optional auth, cipher_class and cipher_bits columns ----

    [Fact]
    public void Csv_OptionalColumns_ClassifyOrTakeTheClass_AndRejectBadWords()
    {
        var records = ParseLines(new CsvFormat(),
        [
            "timestamp,direction,tls,cipher,cipher_bits,auth,cipher_class",
            "2026-11-26T10:00:00Z,inbound,TLS1.2,ECDHE-RSA-AES256-GCM-SHA384,256,verified,",
            "2026-11-26T10:00:01Z,outbound,TLS1.2,AES256-SHA,,Untrusted,",
            "2026-11-26T10:00:02Z,outbound,TLS1.2,ECDHE-RSA-AES256-GCM-SHA384,64,trusted,",
            "2026-11-26T10:00:03Z,inbound,TLS1.2,,,anonymous,weak",
            "2026-11-26T10:00:04Z,inbound,none,,,,",
            "2026-11-26T10:00:05Z,inbound,TLS1.2,,,,",
            "2026-11-26T10:00:06Z,inbound,TLS1.2,,,sort-of,",
        ], out var problems);
        Assert.Equal(
            [(TransitAuth.Verified, CipherClass.Strong), (TransitAuth.Untrusted, CipherClass.Legacy), (TransitAuth.Trusted, CipherClass.Weak),
             (TransitAuth.Anonymous, CipherClass.Weak), (TransitAuth.None, CipherClass.None), (TransitAuth.Unknown, CipherClass.Unknown)],
            records.Select(r => (r.Auth, r.CipherClass)));
        var problem = Assert.Single(problems);
        Assert.Equal(8, problem.Line);
        Assert.StartsWith("unknown auth level", problem.Reason, StringComparison.Ordinal);
    }

    // ---- Blocked by a TLS policy ----

    [Theory]
    [InlineData("status=deferred (TLS is required, but was not offered by host mx.strict.example[192.0.2.5])", BlockReason.TlsNotOffered)]
    [InlineData("status=deferred (TLS is required, but host mx.strict.example[192.0.2.5] refused to start TLS: 454 4.7.0 TLS not available)", BlockReason.TlsNotOffered)]
    [InlineData("status=deferred (Server certificate not verified)", BlockReason.CertificateNotVerified)]
    [InlineData("status=deferred (Server certificate not trusted)", BlockReason.CertificateNotVerified)]
    [InlineData("status=deferred (TLS failure: Cannot verify server certificate)", BlockReason.CertificateNotVerified)]
    [InlineData("status=deferred (TLSA lookup error for mx.dane.example:25)", BlockReason.Dane)]
    [InlineData("status=deferred (MTA-STS policy failure for mx.sts.example)", BlockReason.MtaSts)]
    [InlineData("status=deferred (Cannot start TLS: handshake failure)", BlockReason.TlsHandshake)]
    // Exim (src/src/transports/smtp.c, tls-openssl.c, tls-gnu.c at 4.99.1-148-g13835a3c1).
    [InlineData("defer (-38) H=mx.strict.example [192.0.2.5]: a TLS session is required, but the server did not offer TLS support", BlockReason.TlsNotOffered)]
    [InlineData("defer (-38) H=mx.strict.example [192.0.2.5]: a TLS session is required, but an attempt to start TLS failed", BlockReason.TlsHandshake)]
    [InlineData("defer (-37) H=mx.p.example [192.0.2.5]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed", BlockReason.CertificateNotVerified)]
    [InlineData("defer (-37) H=mx.p.example [192.0.2.5]: TLS session: (certificate verification failed): certificate invalid", BlockReason.CertificateNotVerified)]
    [InlineData("defer (-37) H=mx.p.example [192.0.2.5]: TLS session: (certificate verification failed)", BlockReason.CertificateNotVerified)]
    [InlineData("defer (-37) H=mx.p.example [192.0.2.5]: TLS session: (SSL_connect): error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure", BlockReason.TlsHandshake)]
    [InlineData("defer (-37) H=mx.p.example [192.0.2.5]: TLS session: (gnutls_handshake): rxd alert: Handshake failed", BlockReason.TlsHandshake)]
    [InlineData("defer (-37) H=mx.p.example [192.0.2.5]: TLS session: (certificate verification failed): TLSA record problem: none usable", BlockReason.Dane)]
    [InlineData("defer (-36): DANE error: tlsa lookup DEFER", BlockReason.Dane)]
    [InlineData("defer (-36): DANE error: mx.dane.example lookup not DNSSEC", BlockReason.Dane)]
    // Sendmail: TLS_connection, tls_rcpt and STS rulesets (cf/m4/proto.m4, 8.18.0.2; "TLS handshake." up to 8.16).
    [InlineData("dsn=4.7.0, stat=Deferred: 454 4.7.0 TLS handshake failed.", BlockReason.TlsHandshake)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 TLS handshake.", BlockReason.TlsHandshake)]
    [InlineData("dsn=4.7.0, stat=Deferred: 454 4.7.0 STARTTLS failed.", BlockReason.TlsHandshake)]
    [InlineData("dsn=4.7.0, stat=Deferred: 454 4.7.0 STARTTLS temporarily not possible.", BlockReason.TlsHandshake)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 authentication failure TEMP", BlockReason.TlsHandshake)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 authentication failed", BlockReason.CertificateNotVerified)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 not authenticated", BlockReason.CertificateNotVerified)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 no authentication requested", BlockReason.CertificateNotVerified)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 authentication required", BlockReason.CertificateNotVerified)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 server not authenticated.", BlockReason.CertificateNotVerified)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 other side does not support STARTTLS", BlockReason.TlsNotOffered)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 STARTTLS disabled locally", BlockReason.TlsNotOffered)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 encryption too weak 0 less than 128", BlockReason.TlsNotOffered)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 encryption too weak 56 less than 128", BlockReason.CipherTooWeak)]
    [InlineData("dsn=4.7.0, stat=Deferred: 454 4.7.0 DANE check failed.", BlockReason.Dane)]
    [InlineData("dsn=4.7.0, stat=Deferred: 454 4.7.0 DANE: missing STARTTLS.", BlockReason.Dane)]
    [InlineData("dsn=4.7.0, stat=Deferred: 403 4.7.0 authentication failure DANE_FAIL", BlockReason.Dane)]
    [InlineData("dsn=4.7.0, stat=Deferred: 450 4.7.0 mx.sts.example not listed in SANs", BlockReason.MtaSts)]
    [InlineData("dsn=4.7.0, stat=Deferred: 450 4.7.0 STS lookup temp fail", BlockReason.MtaSts)]
    // The same words in another reply are not a TLS policy (SMTP AUTH: enhanced status 5.7.8, not x.7.0).
    [InlineData("status=deferred (SASL authentication failed; server mx.x.example[192.0.2.9] said: 535 5.7.8 Error: authentication failed: authentication failure)", BlockReason.None)]
    [InlineData("stat=Deferred: 535 5.7.8 Error: authentication failed", BlockReason.None)]
    [InlineData("status=deferred (connect to mx.down.example[192.0.2.9]:25: Connection timed out)", BlockReason.None)]
    [InlineData("status=bounced (host mx.x.example[192.0.2.9] said: 550 5.1.1 User unknown (in reply to RCPT TO command))", BlockReason.None)]
    public void Recognize_PolicyFailureTexts(string text, BlockReason expected)
    {
        Assert.Equal(expected, BlockReasons.Recognize(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Postfix_DeferredByTlsPolicy_IsOneBlockedDeliveryPerMessageDomainAndReason_NotAMessage()
    {
        var records = ParseLines(new PostfixFormat(),
        [
            // Deferred twice (a retry) for the same reason: one blocked delivery.
            "2026-03-01T10:00:00Z mx1 postfix/smtp[5]: AAAAA11111: to=<a@strict.example>, relay=mx.strict.example[192.0.2.5]:25, delay=1, delays=0/0/1/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.strict.example[192.0.2.5])",
            "2026-03-01T10:30:00Z mx1 postfix/smtp[6]: AAAAA11111: to=<a@strict.example>, relay=mx.strict.example[192.0.2.5]:25, delay=1801, delays=1800/0/1/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.strict.example[192.0.2.5])",
            "2026-03-01T10:00:01Z mx1 postfix/smtp[7]: BBBBB22222: to=<b@partner.example>, relay=mx.partner.example[198.51.100.1]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Server certificate not verified)",
            "2026-03-01T10:00:02Z mx1 postfix/smtp[8]: CCCCC33333: to=<c@dane.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (TLSA lookup error for mx.dane.example:25)",
            // Not a policy failure: nothing.
            "2026-03-01T10:00:03Z mx1 postfix/smtp[9]: DDDDD44444: to=<d@down.example>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.down.example[192.0.2.9]:25: Connection timed out)",
        ]);
        Assert.Equal(
            [("strict.example", BlockReason.TlsNotOffered, "mx.strict.example", "192.0.2.5"), ("partner.example", BlockReason.CertificateNotVerified, "mx.partner.example", "198.51.100.1"), ("dane.example", BlockReason.Dane, null, null)],
            records.Select(r => (r.RecipientDomain, r.Blocked, r.RemoteHost, r.RemoteIp)));
        Assert.All(records, r => Assert.Equal(Direction.Outbound, r.Direction));
    }

    [Fact]
    public void Exim_DeferredAndFailedByTlsPolicy_AreBlockedDeliveries()
    {
        var records = ParseLines(new EximFormat(),
        [
            "2026-11-26 10:00:00 1vAb01-000Ab1-01 == a@strict.example R=dnslookup T=remote_smtp defer (-38) H=mx.strict.example [192.0.2.5]: a TLS session is required, but the server did not offer TLS support",
            "2026-11-26 10:30:00 1vAb01-000Ab1-01 == a@strict.example R=dnslookup T=remote_smtp defer (-38) H=mx.strict.example [192.0.2.5]: a TLS session is required, but the server did not offer TLS support",
            "2026-11-26 10:00:01 1vAb02-000Ab2-02 == b@partner.example R=dnslookup T=remote_smtp defer (-37) H=mx.partner.example [198.51.100.1]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
            "2026-11-26 10:00:02 1vAb03-000Ab3-03 == c@dane.example R=dnslookup T=remote_smtp defer (-36): DANE error: tlsa lookup DEFER",
            "2026-11-26 10:00:03 1vAb04-000Ab4-04 == d@down.example R=dnslookup T=remote_smtp defer (111): Connection refused",
        ]);
        Assert.Equal(
            [("strict.example", BlockReason.TlsNotOffered, "192.0.2.5"), ("partner.example", BlockReason.CertificateNotVerified, "198.51.100.1"), ("dane.example", BlockReason.Dane, null)],
            records.Select(r => (r.RecipientDomain, r.Blocked, r.RemoteIp)));
    }

    [Fact]
    public void Exim_TlsSessionFailures_GnuTls_AndADaneAttempt_AreBlockedDeliveries_ButAFallbackToClearIsNot()
    {
        var records = ParseLines(new EximFormat(),
        [
            // GnuTLS client: tls-gnu.c tls_error("certificate verification failed", "certificate invalid").
            "2026-11-26 12:00:00 1vAd01-000Ad1-01 == a@gnutls.example R=dnslookup T=remote_smtp defer (-37) H=mx.gnutls.example [192.0.2.7]: TLS session: (certificate verification failed): certificate invalid",
            // OpenSSL: tls_error("SSL_connect", ERR_error_string) after a failed handshake.
            "2026-11-26 12:00:01 1vAd02-000Ad2-02 == b@hs.example R=dnslookup T=remote_smtp defer (-37) H=mx.hs.example [192.0.2.8]: TLS session: (SSL_connect): error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure",
            // A DANE connection: smtp.c logs "DANE attempt failed" before the deferral, which names only the TLS error.
            "2026-11-26 12:00:02 1vAd03-000Ad3-03 DANE attempt failed; TLS connection to mx.dane.example [192.0.2.9]: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
            "2026-11-26 12:00:02 1vAd03-000Ad3-03 == c@dane.example R=dnslookup T=remote_smtp defer (-37) H=mx.dane.example [192.0.2.9]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
            // hosts_require_dane and no DNSSEC for the host: a failure (deliver.c failure_log: " : " before the text), no H=.
            "2026-11-26 12:00:03 1vAd04-000Ad4-04 ** d@nodnssec.example R=dnslookup T=remote_smtp : DANE error: mx.nodnssec.example lookup not DNSSEC",
            // Not in hosts_require_tls: Exim retries in clear (smtp.c "delivering unencrypted"); delivered, not blocked.
            "2026-11-26 12:00:04 1vAd05-000Ad5-05 TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed: delivering unencrypted to H=mx.lax.example [192.0.2.10] (not in hosts_require_tls)",
            "2026-11-26 12:00:05 1vAd05-000Ad5-05 => e@lax.example R=dnslookup T=remote_smtp H=mx.lax.example [192.0.2.10]:25 C=\"250 OK\"",
            "2026-11-26 12:00:05 1vAd05-000Ad5-05 Completed",
        ]);
        Assert.Equal(
            [("gnutls.example", BlockReason.CertificateNotVerified, "192.0.2.7"), ("hs.example", BlockReason.TlsHandshake, "192.0.2.8"),
             ("dane.example", BlockReason.Dane, "192.0.2.9"), ("nodnssec.example", BlockReason.Dane, null)],
            records.Where(r => r.Blocked != BlockReason.None).Select(r => (r.RecipientDomain, r.Blocked, r.RemoteIp)));
        var delivered = Assert.Single(records, r => r.Blocked == BlockReason.None);
        Assert.Equal(("lax.example", TlsVersion.None), (delivered.RecipientDomain, delivered.Tls));
    }

    [Fact]
    public void Sendmail_TlsConnectionAndTlsRcptReplies_AreBlockedDeliveries()
    {
        // Replies as cf/m4/proto.m4 (8.18.0.2) builds them: TLS_ERRCODE 454 by default, 403 from a TEMP+ access entry.
        var records = ParseLines(new SendmailFormat(),
        [
            "Mar  5 10:00:00 pf sm-mta[301]: q1BBB0001: to=<a@hs.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.hs.example. [192.0.2.5], dsn=4.7.0, stat=Deferred: 454 4.7.0 TLS handshake failed.",
            "Mar  5 10:00:01 pf sm-mta[302]: q1BBB0002: to=<b@verify.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.verify.example. [192.0.2.6], dsn=4.7.0, stat=Deferred: 403 4.7.0 authentication failed",
            "Mar  5 10:00:02 pf sm-mta[303]: q1BBB0003: to=<c@plain.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.plain.example. [192.0.2.7], dsn=4.7.0, stat=Deferred: 403 4.7.0 other side does not support STARTTLS",
            "Mar  5 10:00:03 pf sm-mta[304]: q1BBB0004: to=<d@dane.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.dane.example. [192.0.2.8], dsn=4.7.0, stat=Deferred: 454 4.7.0 DANE check failed.",
            "Mar  5 10:00:04 pf sm-mta[305]: q1BBB0005: to=<e@proto.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.proto.example. [192.0.2.9], dsn=4.7.0, stat=Deferred: 454 4.7.0 STARTTLS failed.",
            // SMTP AUTH refused by the server: a different enhanced status, not a TLS policy.
            "Mar  5 10:00:05 pf sm-mta[306]: q1BBB0006: to=<f@auth.example>, delay=00:00:01, xdelay=00:00:01, mailer=relay, pri=1, relay=smarthost.example. [192.0.2.10], dsn=4.7.8, stat=Deferred: 535 5.7.8 Error: authentication failed",
        ]);
        Assert.Equal(
            [("hs.example", BlockReason.TlsHandshake), ("verify.example", BlockReason.CertificateNotVerified), ("plain.example", BlockReason.TlsNotOffered),
             ("dane.example", BlockReason.Dane), ("proto.example", BlockReason.TlsHandshake)],
            records.Select(r => (r.RecipientDomain, r.Blocked)));
    }

    [Fact]
    public void Sendmail_DeferredByTlsServerRuleset_IsABlockedDelivery()
    {
        var records = ParseLines(new SendmailFormat(),
        [
            "Mar  5 09:00:00 pf sm-mta[202]: ruleset=tls_server, arg1=SOFTWARE, relay=mx.strict.example, reject=403 4.7.0 TLS handshake failed.",
            "Mar  5 09:00:00 pf sm-mta[202]: q1AAA0003: to=<a@strict.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.strict.example. [192.0.2.5], dsn=4.7.0, stat=Deferred: 403 4.7.0 TLS handshake failed.",
            "Mar  5 09:00:01 pf sm-mta[203]: q1AAA0004: to=<b@weak.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.weak.example. [192.0.2.6], dsn=4.7.0, stat=Deferred: 403 4.7.0 encryption too weak 56 less than 128",
            "Mar  5 09:00:02 pf sm-mta[204]: q1AAA0005: to=<c@down.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.down.example., dsn=4.0.0, stat=Deferred: Connection refused by mx.down.example.",
        ]);
        Assert.Equal(
            [("strict.example", BlockReason.TlsHandshake, "192.0.2.5"), ("weak.example", BlockReason.CipherTooWeak, "192.0.2.6")],
            records.Select(r => (r.RecipientDomain, r.Blocked, r.RemoteIp)));
    }

    private static (TransitAuth, CipherClass) Of(List<MailRecord> records, string logId)
    {
        var record = Assert.Single(records, r => r.LogId == logId);
        return (record.Auth, record.CipherClass);
    }

    private static List<MailRecord> ParseLines(ILogFormat format, string[] lines) => ParseLines(format, lines, out _);

    private static List<MailRecord> ParseLines(ILogFormat format, string[] lines, out List<ParseProblem> problems)
    {
        var sink = new CollectingSink();
        var parser = format.CreateParser(new ParseContext("inline", sink, new ParseOptions { TimeZone = TimeZoneInfo.Utc, Year = 2026 }));
        for (var i = 0; i < lines.Length; i++)
        {
            parser.ParseLine(Encoding.UTF8.GetBytes(lines[i]), i + 1);
        }

        parser.Complete();
        problems = sink.Problems;
        return sink.Records;
    }
}
