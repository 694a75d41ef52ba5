#!/usr/bin/env python3
"""Writes the sample logs of the README quick start, deterministically (fixed seed, fixed dates).

    python3 samples/tools/make_samples.py            # rewrites samples/logs/exchange, samples/logs/exim, samples/logs/csv

The sample organisation is example.com. Its partners and relay match samples/connectors.yaml:
  partner contoso.com   mail.contoso.com   203.0.113.10   TLS 1.2 both ways
  partner fabrikam.com  mx.fabrikam.com    198.51.100.20  still on TLS 1.0
  on-premises relay     onprem-relay.corp.example 10.1.2.3  TLS 1.2, now and then plaintext (a Forced TLS breach)
plus internet senders and recipients (mostly TLS 1.2, some TLS 1.1 and plaintext), authenticated clients and
loopback health probes (which the exporter must ignore). Traffic spans 2026-11-20 .. 2026-11-26 (UTC).
"""

import datetime as dt
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "logs")
START = dt.datetime(2026, 11, 20, 0, 0, 0)
DAYS = 7
ORG = "example.com"
SERVER = "EX01"
FQDN = "EX01.example.com"

CONTOSO = ("mail.contoso.com", "203.0.113.10", "contoso.com")
FABRIKAM = ("mx.fabrikam.com", "198.51.100.20", "fabrikam.com")
RELAY = ("onprem-relay.corp.example", "10.1.2.3", "corp.example")
INTERNET = [
    ("mail.northwindtraders.example", "192.0.2.11", "northwindtraders.example"),
    ("mx1.tailspintoys.example", "192.0.2.23", "tailspintoys.example"),
    ("smtp.wingtiptoys.example", "192.0.2.37", "wingtiptoys.example"),
    ("out.litware.example", "192.0.2.45", "litware.example"),
    ("mail-eu.adventure-works.example", "198.51.100.77", "adventure-works.example"),
    ("relay.fourthcoffee.example", "198.51.100.91", "fourthcoffee.example"),
]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]

SCHANNEL = {
    "TLS1.0": ("TLS1_0", "CALG_AES_256", "CALG_SHA1", "160", "CALG_RSA_KEYX", "2048"),
    "TLS1.1": ("TLS1_1", "CALG_AES_256", "CALG_SHA1", "160", "CALG_ECDH_EPHEM", "256"),
    "TLS1.2": ("TLS1_2", "CALG_AES_256", "CALG_SHA_384", "0", "CALG_ECDH_EPHEM", "384"),
}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def csv_field(text):
    return '"' + text.replace('"', '""') + '"' if ("," in text or '"' in text) else text


# The internet server still negotiating 3DES (a weak cipher) with whatever TLS version: chosen by host, so the
# random draws (and every TLS version) stay as they were.
WEAK_CIPHER_HOST = "relay.fourthcoffee.example"


def tls_context(version, side, hyphen=False, host=""):
    proto, bulk, mac, macbits, kx, kxbits = SCHANNEL[version]
    bulkbits = "256"
    if host == WEAK_CIPHER_HOST:
        bulk, bulkbits, mac, macbits = "CALG_3DES", "168", "CALG_SHA1", "160"
    sep = "-" if hyphen else "_"
    return (f"TLS protocol SP_PROT{sep}{proto}_{side} negotiation succeeded using bulk encryption algorithm {bulk} "
            f"with strength {bulkbits} bits, MAC hash algorithm {mac} with strength {macbits} bits and key exchange "
            f"algorithm {kx} with strength {kxbits} bits")


def random_time(rng):
    # Office hours carry most mail; nights a little.
    day = rng.randrange(DAYS)
    hour = rng.choice([7, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 20, 2])
    return START + dt.timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60),
                                milliseconds=rng.randrange(1000))


class Session:
    """Collects the lines of one protocol-log session; sessions are merged by time afterwards."""

    def __init__(self, connector, session_id, local, remote, start):
        self.connector, self.session_id, self.local, self.remote = connector, session_id, local, remote
        self.t = start
        self.seq = 0
        self.lines = []

    def add(self, event, data="", context=""):
        self.t += dt.timedelta(milliseconds=3)
        self.lines.append((self.t, self.session_id, self.seq,
                           f"{iso(self.t)},{csv_field(self.connector)},{self.session_id},{self.seq},{self.local},"
                           f"{self.remote},{event},{csv_field(data)},{csv_field(context)}"))
        self.seq += 1


def write_exchange(path, log_type, sessions):
    lines = sorted((line for s in sessions for line in s.lines), key=lambda l: (l[0], l[1], l[2]))
    header = ["#Software: Microsoft Exchange Server", "#Version: 15.2.1544.4", f"#Log-type: {log_type}",
              f"#Date: {iso(START)}",
              "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context"]
    text = "\r\n".join(header + [l[3] for l in lines]) + "\r\n"
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + text.encode("utf-8"))


def exchange_receive(rng):
    sessions = []
    next_id = 0x08DE2C0000000000

    def new_session(connector, local, remote, start):
        nonlocal next_id
        next_id += rng.randrange(1, 40)
        return Session(connector, f"{next_id:016X}", local, remote, start)

    plan = ([("contoso", "TLS1.2")] * 10 + [("fabrikam", "TLS1.0")] * 6 + [("relay", "TLS1.2")] * 4
            + [("relay", None)] * 1 + [("internet", "TLS1.2")] * 7 + [("internet", "TLS1.1")] * 2
            + [("internet", None)] * 3 + [("client", "TLS1.2")] * 3 + [("probe", "TLS1.2")] * 2)
    internal_id = 10000
    for kind, tls in plan:
        start = random_time(rng)
        port = rng.randrange(30000, 65000)
        if kind == "probe":
            s = new_session(f"{SERVER}\\Default Frontend {SERVER}", "127.0.0.1:25", f"127.0.0.1:{port}", start)
            host, domain, sender = FQDN, ORG, f"HealthMailbox{rng.randrange(100, 999)}@{ORG}"
        elif kind == "client":
            ip = f"10.20.{rng.randrange(1, 30)}.{rng.randrange(2, 250)}"
            s = new_session(f"{SERVER}\\Client Frontend {SERVER}", "10.0.0.5:587", f"{ip}:{port}", start)
            host, domain = f"laptop-{rng.randrange(100, 999)}", ORG
            sender = f"{rng.choice(USERS)}@{ORG}"
        else:
            host, ip, domain = {"contoso": CONTOSO, "fabrikam": FABRIKAM, "relay": RELAY}.get(kind) or rng.choice(INTERNET)
            # A localised connector name (with a comma) receives the partners, as some administrators name them.
            connector = (f"{SERVER}\\Partenaires, entrant (TLS)" if kind in ("contoso", "fabrikam")
                         else f"{SERVER}\\Default Frontend {SERVER}")
            s = new_session(connector, "10.0.0.5:25", f"{ip}:{port}", start)
            sender = f"{rng.choice(USERS)}@{domain}"
        s.add("+")
        s.add(">", f"220 {FQDN} Microsoft ESMTP MAIL Service ready at {s.t.strftime('%a, %d %b %Y %H:%M:%S')} +0000")
        s.add("<", f"EHLO {host}")
        ehlo_reply = (f"250  {FQDN} Hello [{s.remote.rsplit(':', 1)[0]}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES "
                      "STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST")
        s.add(">", ehlo_reply)
        if tls:
            s.add("<", "STARTTLS")
            s.add(">", "220 2.0.0 SMTP server ready")
            s.add("*", "", tls_context(tls, "SERVER", hyphen=(kind == "fabrikam"), host=host))
            s.add("<", f"EHLO {host}")
            s.add(">", ehlo_reply.replace("STARTTLS ", ""))
        if kind == "client":
            s.add("<", "AUTH LOGIN")
            s.add(">", "334 <authentication response>")
            s.add("*", f"EXAMPLE\\{sender.split('@')[0]}", "authenticated")
            s.add(">", "235 2.7.0 Authentication successful")
        # Partners and the relay batch several messages per session.
        batch = [1, 2, 3, 3, 4] if kind in ("contoso", "fabrikam", "relay") else [1, 1, 2]
        for _ in range(rng.choice(batch)):
            size = rng.randrange(2000, 90000)
            if kind == "client":
                rcpts = [f"{rng.choice(USERS)}@{rng.choice(['gmail.com', 'contoso.com', 'fabrikam.com', 'outlook.com'])}"]
            else:
                rcpts = [f"{rng.choice(USERS)}@{ORG}" for _ in range(rng.choice([1, 1, 1, 2, 3]))]
            s.add("<", f"MAIL FROM:<{sender}> SIZE={size}")
            for r in rcpts:
                s.add("<", f"RCPT TO:<{r}>")
            s.add("<", f"BDAT {size} LAST")
            s.add("*", f"{s.session_id};{iso(s.t)};1", "receiving message")
            s.add(">", "250 2.1.0 Sender OK")
            for _ in rcpts:
                s.add(">", "250 2.1.5 Recipient OK")
            internal_id += 1
            if kind == "internet" and rng.random() < 0.15:
                s.add(">", "550 5.7.1 Message rejected as spam by Content Filtering.")
            else:
                s.add(">", f"250 2.6.0 <{rng.randrange(10**9)}@{host}> [InternalId={internal_id}, Hostname={FQDN}] "
                           f"{size} bytes in {rng.random():.3f}, {rng.uniform(50, 900):.3f} KB/sec Queued Mail for Delivery")
        s.add("<", "QUIT")
        s.add(">", "221 2.0.0 Closing connection")
        s.add("-", "", "Local")
        sessions.append(s)
    return sessions


def exchange_send(rng):
    sessions = []
    next_id = 0x08DE2D0000000000
    plan = ([("Outbound to Contoso", CONTOSO, "TLS1.2")] * 12 + [("Outbound to Fabrikam", FABRIKAM, "TLS1.0")] * 8
            + [("To OnPrem Relay", RELAY, "TLS1.2")] * 5 + [("Internet", None, "TLS1.2")] * 10
            + [("Internet", None, "TLS1.1")] * 2 + [("Internet", None, None)] * 3)
    for connector, target, tls in plan:
        host, ip, domain = target or rng.choice(INTERNET)
        next_id += rng.randrange(1, 40)
        port = rng.randrange(30000, 65000)
        s = Session(connector, f"{next_id:016X}", f"10.0.0.5:{port}", f"{ip}:25", random_time(rng))
        s.lines.append((s.t, s.session_id, -1, f"{iso(s.t)},{connector},{s.session_id},0,,{ip}:25,*,,attempting to connect"))
        s.seq = 1
        s.add("+")
        s.add("<", f"220 {host} ESMTP ready")
        s.add(">", f"EHLO {FQDN}")
        s.add("<", f"250-{host} Hello [10.0.0.5]")
        s.add("<", "250-PIPELINING")
        s.add("<", "250-STARTTLS")
        s.add("<", "250 CHUNKING")
        if tls:
            s.add(">", "STARTTLS")
            s.add("<", "220 2.0.0 Ready to start TLS")
            s.add("*", "", tls_context(tls, "CLIENT", hyphen=(target is FABRIKAM), host=host))
            s.add(">", f"EHLO {FQDN}")
            s.add("<", f"250-{host} Hello [10.0.0.5]")
            s.add("<", "250 CHUNKING")
        count = rng.choice([1, 1, 2, 3])
        for i in range(count):
            if i > 0 and rng.random() < 0.5:
                s.add(">", "RSET")
                s.add("<", "250 2.0.0 Resetting")
            size = rng.randrange(2000, 120000)
            rcpts = [f"{rng.choice(USERS)}@{domain}" for _ in range(rng.choice([1, 1, 2]))]
            s.add(">", f"MAIL FROM:<{rng.choice(USERS)}@{ORG}> SIZE={size}")
            for r in rcpts:
                s.add(">", f"RCPT TO:<{r}>")
            if target is FABRIKAM:
                # The old partner server does not offer CHUNKING in reality; DATA and 354 then.
                s.add(">", "DATA")
                s.add("<", "250 2.1.0 Sender OK")
                for _ in rcpts:
                    s.add("<", "250 2.1.5 Recipient OK")
                s.add("<", 'Start mail input; end with "." on a line by itself'.join(["354 ", ""]))
            else:
                s.add(">", f"BDAT {size} LAST")
                s.add("<", "250 2.1.0 Sender OK")
                for _ in rcpts:
                    s.add("<", "250 2.1.5 Recipient OK")
            if target is None and rng.random() < 0.1:
                s.add("<", "451 4.7.0 Temporary server error. Please try again later")
            else:
                s.add("<", f"250 2.0.0 Ok: queued as {rng.randrange(16**10):010X}")
        s.add(">", "QUIT")
        s.add("<", "221 2.0.0 Bye")
        s.add("-", "", "Local")
        sessions.append(s)
    return sessions


def exim_mainlog(rng):
    entries = []
    counter = [0]

    def msg_id(t):
        counter[0] += 1
        return f"1v{counter[0]:04X}-{rng.randrange(16**6):06X}-{rng.randrange(100):02d}"

    def ts(t):
        return t.strftime("%Y-%m-%d %H:%M:%S")

    openssl = {"TLS1.0": "TLSv1:AES256-SHA:256", "TLS1.1": "TLSv1.1:ECDHE-RSA-AES256-SHA:256",
               "TLS1.2": "TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256", "TLS1.3": "TLSv1.3:TLS_AES_256_GCM_SHA384:256"}
    plan = ([("in", CONTOSO, "TLS1.2")] * 18 + [("in", FABRIKAM, "TLS1.0")] * 10 + [("in", RELAY, "TLS1.2")] * 6
            + [("in", RELAY, None)] * 2 + [("in", None, "TLS1.3")] * 14 + [("in", None, "TLS1.2")] * 8
            + [("in", None, None)] * 5 + [("sub", None, "TLS1.3")] * 8 + [("local", FABRIKAM, "TLS1.0")] * 3
            + [("local", CONTOSO, "TLS1.3")] * 4 + [("sub-relay", RELAY, "TLS1.2")] * 6)
    for kind, peer, tls in plan:
        t = random_time(rng)
        mid = msg_id(t)
        size = rng.randrange(1500, 80000)
        x = f" X={openssl[tls]} CV=no" if tls else ""
        lines = []
        if kind == "in":
            host, ip, domain = peer or rng.choice(INTERNET)
            # Certificates (log_selector +tls_peerdn): Contoso's verifies (trusted), Fabrikam's does not (untrusted).
            if tls and peer is CONTOSO:
                x = f' X={openssl[tls]} CV=yes DN="CN={host}"'
            elif tls and peer is FABRIKAM:
                x = f' X={openssl[tls]} CV=no DN="CN={host}"'
            elif tls and host == WEAK_CIPHER_HOST:
                x = f" X=TLSv1.2:DES-CBC3-SHA:168 CV=no" if tls == "TLS1.2" else x
            proto = "esmtps" if tls else "esmtp"
            lines.append(f"{ts(t)} SMTP connection from {host} [{ip}]:{rng.randrange(30000, 65000)} (TCP/IP connection count = 1)")
            lines.append(f"{ts(t)} {mid} <= {rng.choice(USERS)}@{domain} H={host} [{ip}]:{rng.randrange(30000, 65000)} "
                         f"P={proto}{x} S={size} id={rng.randrange(10**9)}@{host}")
            lines.append(f"{ts(t)} {mid} => {rng.choice(USERS)} <{rng.choice(USERS)}@{ORG}> R=local_user T=mail_spool")
        else:
            sender = f"{rng.choice(USERS)}@{ORG}"
            if kind == "local":
                lines.append(f"{ts(t)} {mid} <= {sender} U={sender.split('@')[0]} P=local S={size}")
            else:
                lines.append(f"{ts(t)} {mid} <= {sender} H=(laptop-{rng.randrange(100, 999)}) [10.20.{rng.randrange(1, 30)}.{rng.randrange(2, 250)}]:"
                             f"{rng.randrange(30000, 65000)} P=esmtpsa X={openssl['TLS1.3']} CV=no A=dovecot_plain:{sender.split('@')[0]} S={size}")
            host, ip, domain = peer or rng.choice(INTERNET)
            router, transport = ("smarthost", "remote_smtp_smarthost") if peer is RELAY else ("dnslookup", "remote_smtp")
            # Deliveries: verified (CV=yes), by DANE to the relay, not verified to Fabrikam.
            ox = f" X={openssl[tls]} CV={'dane' if peer is RELAY else 'no' if peer is FABRIKAM else 'yes'}" if tls else ""
            rcpts = [f"{rng.choice(USERS)}@{domain}" for _ in range(rng.choice([1, 1, 2, 3]))]
            d = t + dt.timedelta(seconds=1)
            lines.append(f"{ts(d)} {mid} => {rcpts[0]} R={router} T={transport} H={host} [{ip}]{ox} "
                         f'C="250 2.0.0 Ok: queued as {rng.randrange(16**8):08X}"')
            for r in rcpts[1:]:
                lines.append(f"{ts(d)} {mid} -> {r} R={router} T={transport} H={host} [{ip}]{ox} "
                             f'C="250 2.0.0 Ok: queued as {rng.randrange(16**8):08X}"')
        lines.append(f"{ts(t + dt.timedelta(seconds=1))} {mid} Completed")
        entries.append((t, mid, lines))
    # Deferred and failed deliveries (no message delivered) and a content-filter loop on loopback.
    for _ in range(4):
        t = random_time(rng)
        mid = msg_id(t)
        host, ip, domain = rng.choice(INTERNET)
        entries.append((t, mid, [
            f"{ts(t)} {mid} <= {rng.choice(USERS)}@{ORG} U=www-data P=local S=1200",
            f"{ts(t)} {mid} == {rng.choice(USERS)}@{domain} R=dnslookup T=remote_smtp defer (-44) H={host} [{ip}]: "
            "SMTP error from remote mail server after RCPT TO: 451 4.7.1 Greylisted, try again later"]))
    # Deliveries stopped by a TLS policy (hosts_require_tls, DANE): fixed times and ids, no random draw.
    for n, (domain, host, ip, reason) in enumerate([
            ("strict.example", "mx.strict.example", "192.0.2.60", "defer (-38) H=mx.strict.example [192.0.2.60]: a TLS session is required, but the server did not offer TLS support"),
            ("dane.example", "mx.dane.example", "192.0.2.62", "defer (-36): DANE error: tlsa lookup DEFER")]):
        t = START + dt.timedelta(days=3 + n, hours=23)
        mid = f"1vZZ{n:02d}-000000-00"
        entries.append((t, mid, [
            f"{ts(t)} {mid} <= {USERS[n]}@{ORG} U=www-data P=local S=1200",
            f"{ts(t)} {mid} == {USERS[n]}@{domain} R=dnslookup T=remote_smtp {reason}"]))
    entries.sort(key=lambda e: (e[0], e[1]))
    out = [f"{START.strftime('%Y-%m-%d %H:%M:%S')} exim 4.96 daemon started: pid=812, -q30m, listening for SMTP on port 25 (IPv4)"]
    for _, _, lines in entries:
        out.extend(lines)
    return "\n".join(out) + "\n"


def csv_sample(rng):
    rows = ["# Messages exported from a gateway that has no log format of its own (docs/csv-format.md).",
            "timestamp,direction,tls,cipher,remote_host,remote_ip,sender_domain,recipient_domain,recipients,bytes,service,connector_id,source,auth"]
    # Auth level per peer (no random draw): partners verified or not, the internet anonymous inbound and trusted outbound.
    auth_of = {CONTOSO: "verified", FABRIKAM: "untrusted", RELAY: "trusted"}
    plan = ([("inbound", CONTOSO, "TLSv1.2")] * 30 + [("inbound", FABRIKAM, "TLSv1")] * 15
            + [("outbound", FABRIKAM, "TLSv1")] * 10 + [("outbound", CONTOSO, "TLSv1.3")] * 20
            + [("inbound", RELAY, "TLSv1.2")] * 10 + [("inbound", None, "TLSv1.3")] * 40
            + [("inbound", None, "")] * 8 + [("outbound", None, "TLSv1.2")] * 30 + [("outbound", None, "TLSv1.1")] * 4
            + [("submission", None, "TLSv1.3")] * 12)
    events = []
    for direction, peer, tls in plan:
        t = random_time(rng)
        host, ip, domain = peer or rng.choice(INTERNET)
        if direction == "submission":
            host, ip, domain = "", f"10.20.{rng.randrange(1, 30)}.{rng.randrange(2, 250)}", ORG
        cipher = {"TLSv1": "AES256-SHA", "TLSv1.1": "DES-CBC3-SHA", "TLSv1.2": "ECDHE-RSA-AES256-GCM-SHA384",
                  "TLSv1.3": "TLS_AES_256_GCM_SHA384", "": ""}[tls]
        auth = "none" if not tls else auth_of.get(peer) or ("trusted" if direction == "outbound" else "anonymous")
        sender, recipient = (domain, ORG) if direction == "inbound" else (ORG, domain if direction == "outbound" else "gmail.com")
        events.append((t, f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{direction},{tls},{cipher},{host},{ip},{sender},{recipient},"
                          f"{rng.choice([1, 1, 1, 2, 4])},{rng.randrange(1500, 90000)},gateway,"
                          f"{csv_field('Gateway, ' + direction)},gw1.{ORG},{auth}"))
    events.sort()
    return "\n".join(rows + [e[1] for e in events]) + "\n"


def main():
    rng = random.Random(20261127)
    os.makedirs(os.path.join(ROOT, "exchange"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "exim"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "csv"), exist_ok=True)
    write_exchange(os.path.join(ROOT, "exchange", "SMTPRECV2026112700-1.LOG"), "SMTP Receive Protocol Log", exchange_receive(rng))
    write_exchange(os.path.join(ROOT, "exchange", "SMTPSEND2026112700-1.LOG"), "SMTP Send Protocol Log", exchange_send(rng))
    with open(os.path.join(ROOT, "exim", "mainlog"), "w", encoding="utf-8", newline="\n") as f:
        f.write(exim_mainlog(rng))
    with open(os.path.join(ROOT, "csv", "mailflow.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write(csv_sample(rng))


if __name__ == "__main__":
    main()
