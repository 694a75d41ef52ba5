#!/usr/bin/env python3
"""Writes the Postfix and Sendmail sample logs of the quick start, deterministically.

The sample organisation is example.com (mx1.example.com runs Postfix, mail.example.com runs Sendmail).
Seven days of mail, 2026-11-20 .. 2026-11-26, with the partners and relay of samples/connectors.yaml:
  - Contoso (Partner, Forced TLS): mail.contoso.com [203.0.113.10], TLS 1.2 both ways;
  - Fabrikam (Partner): mx.fabrikam.com [198.51.100.20], still on TLS 1.0 both ways;
  - the on-premises relay 10.1.2.3 (OnPremises, Forced TLS): TLS 1.2, and one plaintext message a day;
  - internet senders and receivers on TLS 1.3 / TLS 1.2, a few spam hosts in plaintext;
  - SMTP AUTH submissions (Postfix) on TLS 1.3; amavis re-injection on 127.0.0.1 that must not count.
Transit security (auth level and cipher class; chosen per peer, so the random draws and the TLS versions above
are unchanged): Contoso presents a certificate verified by chain (Postfix "Trusted", Sendmail verify=OK) and is
name-verified outbound ("Verified"); Fabrikam's certificate does not verify ("Untrusted", verify=FAIL); the
internet sends none ("Anonymous", verify=NO); oldbank.example still uses 3DES (weak), Fabrikam a CBC suite
(legacy). Each day a few outbound deliveries are stopped by a TLS policy (strict.example does not offer TLS,
sts.example's certificate is not verified, dane.example's TLSA lookup fails; Sendmail: a handshake failure).
Run: python3 samples/tools/make_postfix_sendmail_samples.py  (from the repository root)
"""
import random
from datetime import datetime, timedelta, timezone

rng = random.Random(20261127)
START = datetime(2026, 11, 20, 0, 0, 0, tzinfo=timezone(timedelta(hours=1)))
DAYS = 7

INTERNET_IN = [("mail-ej1-f41.google.com", "209.85.218.41", "gmail.com", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
               ("mout.gmx.net", "212.227.17.21", "gmx.de", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
               ("mail.nistoresio.co.cz", "185.31.160.120", "nistoresio.co.cz", None, None),
               ("smtp.mailbox.org", "80.241.60.212", "mailbox.org", "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"),
               ("mx.oldbank.example", "192.0.2.80", "oldbank.example", "TLSv1.1", "DES-CBC3-SHA")]
CONTOSO = ("mail.contoso.com", "203.0.113.10", "contoso.com", "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")
FABRIKAM = ("mx.fabrikam.com", "198.51.100.20", "fabrikam.com", "TLSv1", "ECDHE-RSA-AES256-SHA")
RELAY = ("relay.corp.example", "10.1.2.3", "example.com", "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")
INTERNET_OUT = [("gmail-smtp-in.l.google.com", "142.250.27.26", "gmail.com", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
                ("mx01.emig.gmx.net", "212.227.17.5", "gmx.de", "TLSv1.3", "TLS_AES_256_GCM_SHA384")]
USERS = ["alice", "bob", "carol", "dave", "erin"]

# Key bits in use per cipher (the rest: 256).
BITS = {"DES-CBC3-SHA": "168/168", "ECDHE-RSA-AES128-SHA": "128/128"}
# Postfix's trust word per peer host: smtpd (client certificates) and smtp (server certificates).
TRUST_IN = {"mail.contoso.com": "Trusted", "mx.fabrikam.com": "Untrusted"}
TRUST_OUT = {"mail.contoso.com": "Verified", "mx01.emig.gmx.net": "Verified", "mx.fabrikam.com": "Untrusted"}
# Sendmail's verify= per peer host.
VERIFY = {"mail.contoso.com": "OK", "mx.fabrikam.com": "FAIL", "legacy.partner.example": "NOT"}

QID_CHARS = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"


def qid():
    return "4" + "".join(rng.choice(QID_CHARS) for _ in range(11))


class Postfix:
    def __init__(self):
        self.lines = []
        self.pid = 20000

    def log(self, t, program, pid, text):
        self.lines.append((t, f"{t.isoformat(timespec='microseconds')} mx1 {program}[{pid}]: {text}"))

    def inbound(self, t, peer, sender_domain, service="postfix/smtpd", sasl=None):
        host, ip, _, version, cipher = peer
        self.pid += 1
        pid = self.pid
        q = qid()
        user = rng.choice(USERS)
        self.log(t, service, pid, f"connect from {host}[{ip}]")
        if version:
            self.log(t + timedelta(milliseconds=80), service, pid, f"{TRUST_IN.get(host, 'Anonymous')} TLS connection established from {host}[{ip}]: {version} with cipher {cipher} ({BITS.get(cipher, '256/256')} bits)")
        client = f"{q}: client={host}[{ip}]" + (f", sasl_method=PLAIN, sasl_username={sasl}" if sasl else "")
        self.log(t + timedelta(milliseconds=300), service, pid, client)
        self.log(t + timedelta(milliseconds=400), "postfix/cleanup", 3001, f"{q}: message-id=<{q}@{sender_domain}>")
        size = rng.randint(2000, 90000)
        sender = f"{user}@example.com" if sasl else f"news{rng.randint(1, 9)}@{sender_domain}"
        self.log(t + timedelta(milliseconds=450), "postfix/qmgr", 3000, f"{q}: from=<{sender}>, size={size}, nrcpt=1 (queue active)")
        starttls = " starttls=1" if version else ""
        self.log(t + timedelta(milliseconds=600), service, pid, f"disconnect from {host}[{ip}] ehlo=2{starttls} mail=1 rcpt=1 data=1 quit=1 commands={6 if version else 5}")
        if sasl:
            return q
        # Content filter round trip on loopback: not mail flow.
        self.log(t + timedelta(seconds=1), "postfix/smtp", 3100, f"{q}: to=<{user}@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0.4/0/0/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok, id=1234-01, from MTA([127.0.0.1]:10025): 250 2.0.0 Ok: queued as {q}X)")
        self.log(t + timedelta(seconds=1, milliseconds=100), "postfix/10025/smtpd", 3200, f"{q}X: client=localhost[127.0.0.1]")
        self.log(t + timedelta(seconds=1, milliseconds=300), "postfix/lmtp", 3300, f"{q}X: to=<{user}@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Saved)")
        self.log(t + timedelta(seconds=1, milliseconds=400), "postfix/qmgr", 3000, f"{q}: removed")
        return q

    def outbound(self, t, peer, recipients):
        host, ip, domain, version, cipher = peer
        self.pid += 1
        pid = self.pid
        q = qid()
        self.log(t, "postfix/qmgr", 3000, f"{q}: from=<{rng.choice(USERS)}@example.com>, size={rng.randint(2000, 50000)}, nrcpt={recipients} (queue active)")
        if version:
            self.log(t + timedelta(milliseconds=200), "postfix/smtp", pid, f"{TRUST_OUT.get(host, 'Trusted')} TLS connection established to {host}[{ip}]:25: {version} with cipher {cipher} ({BITS.get(cipher, '256/256')} bits)")
        for i in range(recipients):
            self.log(t + timedelta(milliseconds=500 + i), "postfix/smtp", pid,
                     f"{q}: to=<{USERS[i % len(USERS)]}@{domain}>, relay={host}[{ip}]:25, delay=0.6, delays=0.1/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 OK)")
        self.log(t + timedelta(milliseconds=700), "postfix/qmgr", 3000, f"{q}: removed")

    def blocked(self, t, day):
        """Deliveries a TLS policy stopped (no random draw, own pids: the rest of the log stays as it was)."""
        for n, (user, domain, relay, reason) in enumerate([
                ("alice", "strict.example", "mx.strict.example[192.0.2.60]:25", "TLS is required, but was not offered by host mx.strict.example[192.0.2.60]"),
                ("bob", "sts.example", "mx.sts.example[192.0.2.61]:25", "Server certificate not verified"),
                ("carol", "dane.example", "none", "TLSA lookup error for mx.dane.example:25")]):
            if n == 2 and day % 2 == 1:
                continue
            q = f"4ZB{day:02d}{n:02d}000000"
            self.log(t + timedelta(minutes=n), "postfix/smtp", 39000 + day, f"{q}: to=<{user}@{domain}>, relay={relay}, delay=1.2, delays=0.1/0/1.1/0, dsn=4.7.5, status=deferred ({reason})")


class Sendmail:
    def __init__(self):
        self.lines = []
        self.pid = 40000

    def log(self, t, pid, text):
        self.lines.append((t, f"{t.strftime('%b %e %H:%M:%S')} mail sm-mta[{pid}]: {text}"))

    def inbound(self, t, peer):
        host, ip, domain, version, cipher = peer
        self.pid += 1
        q = "4AK" + "".join(rng.choice("ABCDEFGHIJ0123456789") for _ in range(6)) + f"{self.pid:06d}"
        if version:
            self.log(t, self.pid, f"STARTTLS=server, relay={host} [{ip}], version={version}, verify={VERIFY.get(host, 'NO')}, cipher={cipher}, bits={BITS.get(cipher, '256/256')}")
        self.log(t + timedelta(seconds=1), self.pid, f"{q}: from=<info@{domain}>, size={rng.randint(1500, 40000)}, class=0, nrcpts=1, msgid=<{q}@{domain}>, proto=ESMTP, daemon=MTA, relay={host} [{ip}]")
        self.log(t + timedelta(seconds=2), self.pid + 50000, f"{q}: to=<{rng.choice(USERS)}@example.com>, delay=00:00:01, xdelay=00:00:00, mailer=local, pri=30000, dsn=2.0.0, stat=Sent")

    def outbound(self, t, peer):
        host, ip, domain, version, cipher = peer
        self.pid += 1
        q = "4AK" + "".join(rng.choice("ABCDEFGHIJ0123456789") for _ in range(6)) + f"{self.pid:06d}"
        self.log(t, self.pid, f"{q}: from=<{rng.choice(USERS)}@example.com>, size={rng.randint(1500, 40000)}, class=0, nrcpts=1, msgid=<{q}@example.com>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]")
        if version:
            self.log(t + timedelta(seconds=1), self.pid + 1, f"STARTTLS=client, relay={host}., version={version}, verify={VERIFY.get(host, 'OK')}, cipher={cipher}, bits={BITS.get(cipher, '256/256')}")
        self.log(t + timedelta(seconds=2), self.pid + 1, f"{q}: to=<{rng.choice(USERS)}@{domain}>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120000, relay={host}. [{ip}], dsn=2.0.0, stat=Sent (OK id=1x)")

    def blocked(self, t, day):
        """A delivery the tls_server ruleset stopped (no random draw)."""
        pid = 49000 + day
        q = f"4AKZZZZZZ{day:06d}"
        self.log(t, pid, "ruleset=tls_server, arg1=SOFTWARE, relay=mx.strict.example, reject=403 4.7.0 TLS handshake failed.")
        self.log(t, pid, f"{q}: to=<dave@strict.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.strict.example. [192.0.2.60], dsn=4.7.0, stat=Deferred: 403 4.7.0 TLS handshake failed.")


def main():
    postfix, sendmail = Postfix(), Sendmail()
    for day in range(DAYS):
        base = START + timedelta(days=day)
        for hour in range(7, 20):
            t = base + timedelta(hours=hour, minutes=rng.randint(0, 20), seconds=rng.randint(0, 59))
            peer = rng.choice(INTERNET_IN)
            postfix.inbound(t, peer, peer[2])
            postfix.inbound(t + timedelta(minutes=5), CONTOSO, "contoso.com")
            if hour % 2 == 0:
                postfix.inbound(t + timedelta(minutes=9), FABRIKAM, "fabrikam.com")
            postfix.inbound(t + timedelta(minutes=13), RELAY, "example.com")
            q = postfix.inbound(t + timedelta(minutes=17), ("laptop.example.com", "192.0.2.50", "", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
                                "example.com", service="postfix/submission/smtpd", sasl=f"{rng.choice(USERS)}@example.com")
            postfix.outbound(t + timedelta(minutes=18), rng.choice(INTERNET_OUT), rng.randint(1, 3))
            if hour % 3 == 0:
                postfix.outbound(t + timedelta(minutes=21), FABRIKAM, 1)
                postfix.outbound(t + timedelta(minutes=23), CONTOSO, 2)
            sendmail.inbound(t + timedelta(minutes=2), rng.choice(INTERNET_IN))
            if hour % 4 == 0:
                sendmail.inbound(t + timedelta(minutes=6), FABRIKAM)
                sendmail.outbound(t + timedelta(minutes=8), CONTOSO)
        # One plaintext message a day from the relay, although its connector requires TLS.
        postfix.inbound(base + timedelta(hours=22), ("relay.corp.example", "10.1.2.3", "example.com", None, None), "example.com")
        # An old sendmail peer whose OpenSSL reports only a cipher family ("TLSv1/SSLv3"): unknown version.
        sendmail.inbound(base + timedelta(hours=21), ("legacy.partner.example", "192.0.2.99", "partner.example", "TLSv1/SSLv3", "DHE-RSA-AES256-SHA"))
        postfix.blocked(base + timedelta(hours=23), day)
        sendmail.blocked(base + timedelta(hours=23, minutes=30), day)

    for path, log in (("samples/logs/postfix/mail.log", postfix), ("samples/logs/sendmail/maillog", sendmail)):
        import os
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for _, line in sorted(log.lines, key=lambda item: item[0]):
                out.write(line + "\n")


if __name__ == "__main__":
    main()
