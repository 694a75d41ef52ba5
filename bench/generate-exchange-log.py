#!/usr/bin/env python3
"""Writes a large, realistic Exchange SmtpReceive protocol log for the throughput benchmark, deterministically.

    python3 bench/generate-exchange-log.py /tmp/SMTPRECV-bench.LOG --mb 100

About 60 sessions are open at any time and their lines interleave, as on a busy Frontend server: partners over
TLS 1.2 and TLS 1.0 (both SP_PROT spellings), internet senders (some plaintext, some rejected), authenticated
clients, loopback health probes, quoted replies with commas, a localised connector name. UTF-8 with BOM, CRLF.
The messages per TLS version are printed at the end, so a run can be checked against the parser's counts.
"""

import argparse
import datetime as dt
import random

SERVER = "EX01"
FQDN = "EX01.example.com"
EHLO_REPLY = (f"250  {FQDN} Hello [{{ip}}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS "
              "AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST")
TLS = ("\"TLS protocol SP_PROT{sep}{proto}_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with "
       "strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm "
       "CALG_ECDH_EPHEM with strength 384 bits\"")
PEERS = [
    # (weight, kind, host, ip, domain, tls, connector)
    (25, "partner", "mail.contoso.com", "203.0.113.10", "contoso.com", "TLS1_2", f"{SERVER}\\Default Frontend {SERVER}"),
    (10, "partner", "mx.fabrikam.com", "198.51.100.20", "fabrikam.com", "TLS1_0", f"\"{SERVER}\\Partenaires, entrant\""),
    (8, "relay", "onprem-relay.corp.example", "10.1.2.3", "corp.example", "TLS1_2", f"{SERVER}\\Default Frontend {SERVER}"),
    (30, "internet", None, None, None, "TLS1_2", f"{SERVER}\\Default Frontend {SERVER}"),
    (3, "internet", None, None, None, "TLS1_1", f"{SERVER}\\Default Frontend {SERVER}"),
    (10, "internet", None, None, None, None, f"{SERVER}\\Default Frontend {SERVER}"),
    (8, "client", None, None, "example.com", "TLS1_2", f"{SERVER}\\Client Frontend {SERVER}"),
    (6, "probe", "EX01.example.com", "127.0.0.1", "example.com", "TLS1_2", f"{SERVER}\\Default Frontend {SERVER}"),
]
WEIGHTS = [p[0] for p in PEERS]


def session(rng, session_id, counts):
    """Yields (event, data, context) of one session; the caller stamps time and sequence numbers."""
    _, kind, host, ip, domain, tls, connector = rng.choices(PEERS, WEIGHTS)[0]
    if kind == "internet":
        n = rng.randrange(1, 250)
        host, ip, domain = f"mail{n}.sender{n}.example", f"192.0.{n % 3}.{n}", f"sender{n}.example"
    elif kind == "client":
        ip = f"10.20.{rng.randrange(1, 30)}.{rng.randrange(2, 250)}"
        host = f"laptop-{rng.randrange(100, 999)}"
    port = rng.randrange(30000, 65000)
    remote = f"{ip}:{port}"
    local = "127.0.0.1:25" if kind == "probe" else ("10.0.0.5:587" if kind == "client" else "10.0.0.5:25")
    yield connector, local, remote, None
    yield "+", "", ""
    yield ">", f"\"220 {FQDN} Microsoft ESMTP MAIL Service ready at Thu, 26 Nov 2026 08:00:00 +0000\"", ""
    yield "<", f"EHLO {host}", ""
    yield ">", EHLO_REPLY.format(ip=ip), ""
    if tls:
        yield "<", "STARTTLS", ""
        yield ">", "220 2.0.0 SMTP server ready", ""
        yield "*", "", TLS.format(sep="-" if rng.random() < 0.3 else "_", proto=tls)
        yield "<", f"EHLO {host}", ""
        yield ">", EHLO_REPLY.format(ip=ip).replace("STARTTLS ", ""), ""
    if kind == "client":
        yield "<", "AUTH LOGIN", ""
        yield ">", "334 <authentication response>", ""
        yield "*", "EXAMPLE\\user", "authenticated"
        yield ">", "235 2.7.0 Authentication successful", ""
    for _ in range(rng.choice([1, 1, 2, 3] if kind in ("partner", "relay") else [1])):
        size = rng.randrange(2000, 90000)
        rcpts = rng.choice([1, 1, 1, 2, 3])
        yield "<", f"MAIL FROM:<user{rng.randrange(1000)}@{domain}> SIZE={size}", ""
        for r in range(rcpts):
            yield "<", f"RCPT TO:<user{rng.randrange(1000)}@example.com>", ""
        yield "<", f"BDAT {size} LAST", ""
        yield "*", f"{session_id};2026-11-26T08:00:00.000Z;1", "receiving message"
        yield ">", "250 2.1.0 Sender OK", ""
        for r in range(rcpts):
            yield ">", "250 2.1.5 Recipient OK", ""
        if kind == "internet" and rng.random() < 0.1:
            yield ">", "550 5.7.1 Message rejected as spam by Content Filtering.", ""
        else:
            if kind != "probe":
                direction = "submission" if kind == "client" else "inbound"
                key = (direction, tls or "none")
                counts[key] = counts.get(key, 0) + 1
            yield ">", (f"\"250 2.6.0 <{rng.randrange(10**9)}@{host}> [InternalId={rng.randrange(10**12)}, Hostname={FQDN}] "
                        f"{size} bytes in 0.{rng.randrange(1000):03d}, 123.456 KB/sec Queued Mail for Delivery\""), ""
    yield "<", "QUIT", ""
    yield ">", "221 2.0.0 Closing connection", ""
    yield "-", "", "Local"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--concurrent", type=int, default=60)
    args = parser.parse_args()
    rng = random.Random(20261127)
    target = args.mb * 1024 * 1024
    clock = dt.datetime(2026, 11, 20)
    next_id = 0x08DE2C0000000000
    counts = {}
    active = []
    written = 0
    with open(args.output, "wb") as out:
        header = ("\ufeff#Software: Microsoft Exchange Server\r\n#Version: 15.2.1544.4\r\n"
                  "#Log-type: SMTP Receive Protocol Log\r\n#Date: 2026-11-20T00:00:00.000Z\r\n"
                  "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n")
        out.write(header.encode("utf-8"))
        buffer = []
        while written < target or active:
            while written < target and len(active) < args.concurrent:
                next_id += rng.randrange(1, 16)
                sid = f"{next_id:016X}"
                gen = session(rng, sid, counts)
                connector, local, remote, _ = next(gen)
                active.append([gen, sid, connector, local, remote, 0])
            i = rng.randrange(len(active))
            s = active[i]
            item = next(s[0], None)
            if item is None:
                active[i] = active[-1]
                active.pop()
                continue
            clock += dt.timedelta(microseconds=rng.randrange(200, 3000))
            event, data, context = item
            line = (f"{clock.strftime('%Y-%m-%dT%H:%M:%S')}.{clock.microsecond // 1000:03d}Z,{s[2]},{s[1]},{s[5]},"
                    f"{s[3]},{s[4]},{event},{data},{context}\r\n")
            s[5] += 1
            encoded = line.encode("utf-8")
            written += len(encoded)
            buffer.append(encoded)
            if len(buffer) >= 4096:
                out.write(b"".join(buffer))
                buffer.clear()
        out.write(b"".join(buffer))
    total = sum(counts.values())
    print(f"{args.output}: {written / 1048576:.1f} MiB, {total} messages")
    for key in sorted(counts):
        print(f"  {key[0]:<10} {key[1]:<6} {counts[key]}")


if __name__ == "__main__":
    main()
