#!/usr/bin/env python3
"""Writes samples/tlsrpt/: SMTP TLS reports (RFC 8460) about the sample organisation example.com (MX hosts
mx1.example.com and mx2.example.com), as the reporting organisations send them: JSON files, gzip files, and report
e-mails (multipart/report; report-type="tlsrpt", application/tlsrpt+gzip or +json parts) in an mbox and a Maildir.

The shapes follow RFC 8460 section 4 (its example report is the Company-X one, moved to example.com) and its
registry of result types; the Microsoft report has the small oddities real reports have (counts as strings,
mx-host a string, a +00:00 offset). Deterministic: running it again writes the same bytes."""
import email.policy
import gzip
import io
import json
import os
import shutil
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tlsrpt")

STS_EXAMPLE_COM = ["version: STSv1", "mode: enforce", "mx: mx1.example.com", "mx: mx2.example.com", "max_age: 604800"]
STS_EXAMPLE_NET = ["version: STSv1", "mode: testing", "mx: mx1.example.com", "max_age: 86400"]


def day(d, offset="Z"):
    return {"start-datetime": f"2026-11-{d:02d}T00:00:00{offset}", "end-datetime": f"2026-11-{d:02d}T23:59:59{offset}"}


REPORTS = [
    # (file stem, submitter domain, report)
    ("google-2026-11-24", "google.com", {
        "organization-name": "Google Inc.",
        "date-range": day(24),
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": "2026-11-24T00:00:00Z_example.com",
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": STS_EXAMPLE_COM, "policy-domain": "example.com",
                       "mx-host": ["mx1.example.com", "mx2.example.com"]},
            "summary": {"total-successful-session-count": 1200, "total-failure-session-count": 0},
        }],
    }),
    ("google-2026-11-25", "google.com", {
        "organization-name": "Google Inc.",
        "date-range": day(25),
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": "2026-11-25T00:00:00Z_example.com",
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": STS_EXAMPLE_COM, "policy-domain": "example.com",
                       "mx-host": ["mx1.example.com", "mx2.example.com"]},
            "summary": {"total-successful-session-count": 1180, "total-failure-session-count": 35},
            "failure-details": [
                {"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.41", "receiving-mx-hostname": "mx2.example.com",
                 "receiving-ip": "198.51.100.12", "failed-session-count": 20},
                {"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.69", "receiving-mx-hostname": "mx2.example.com",
                 "receiving-ip": "198.51.100.12", "failed-session-count": 15},
            ],
        }, {
            "policy": {"policy-type": "sts", "policy-string": STS_EXAMPLE_NET, "policy-domain": "example.net",
                       "mx-host": ["mx1.example.com"]},
            "summary": {"total-successful-session-count": 60, "total-failure-session-count": 7},
            "failure-details": [
                {"result-type": "sts-policy-fetch-error", "sending-mta-ip": "209.85.220.41", "receiving-mx-hostname": "mx1.example.com",
                 "failed-session-count": 7, "additional-information": "https://mta-sts.example.net/.well-known/mta-sts.txt answered 404"},
            ],
        }],
    }),
    ("microsoft-2026-11-25", "microsoft.com", {
        "organization-name": "Microsoft Corporation",
        "date-range": day(25, "+00:00"),
        "contact-info": "tlsrpt-noreply@microsoft.com",
        "report-id": "133777920000000000+example.com",
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": STS_EXAMPLE_COM, "policy-domain": "example.com",
                       "mx-host": ["mx1.example.com", "mx2.example.com"]},
            "summary": {"total-successful-session-count": "800", "total-failure-session-count": "12"},
            "failure-details": [
                {"result-type": "certificate-expired", "sending-mta-ip": "40.107.22.50", "receiving-mx-hostname": "mx2.example.com",
                 "receiving-mx-helo": "mx2.example.com", "receiving-ip": "198.51.100.12", "failed-session-count": "12"},
            ],
        }, {
            "policy": {"policy-type": "tlsa", "policy-string": ["3 1 1 8A1B5C2E7D4F9061A3B2C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F70819"],
                       "policy-domain": "example.com", "mx-host": "mx1.example.com"},
            "summary": {"total-successful-session-count": "300", "total-failure-session-count": "4"},
            "failure-details": [
                {"result-type": "tlsa-invalid", "sending-mta-ip": "40.107.22.51", "receiving-mx-hostname": "mx1.example.com",
                 "receiving-ip": "198.51.100.11", "failed-session-count": "3"},
                {"result-type": "dnssec-invalid", "sending-mta-ip": "40.107.22.52", "receiving-mx-hostname": "mx1.example.com",
                 "failed-session-count": "1", "failure-reason-code": "DNSSEC_BOGUS"},
            ],
        }],
    }),
    # RFC 8460 section 4.8's example report, moved to example.com and 2026.
    ("company-x-2026-11-25", "company-x.example", {
        "organization-name": "Company-X",
        "date-range": day(25),
        "contact-info": "sts-reporting@company-x.example",
        "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": STS_EXAMPLE_COM, "policy-domain": "example.com",
                       "mx-host": ["mx1.example.com", "mx2.example.com"]},
            "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
            "failure-details": [
                {"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
                 "receiving-mx-hostname": "mx2.example.com", "failed-session-count": 100},
                {"result-type": "starttls-not-supported", "sending-mta-ip": "2001:db8:abcd:0013::1",
                 "receiving-mx-hostname": "mx1.example.com", "receiving-ip": "198.51.100.11", "failed-session-count": 200,
                 "additional-information": "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported"},
                {"result-type": "validation-failure", "sending-mta-ip": "198.51.100.62", "receiving-ip": "198.51.100.12",
                 "failed-session-count": 3, "failure-reason-code": "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"},
            ],
        }],
    }),
    ("fabrikam-2026-11-26", "fabrikam.com", {
        "organization-name": "Fabrikam",
        "date-range": day(26),
        "contact-info": "postmaster@fabrikam.com",
        "report-id": "fabrikam-20261126-0001",
        "policies": [{
            "policy": {"policy-type": "no-policy-found", "policy-domain": "example.org"},
            "summary": {"total-successful-session-count": 40, "total-failure-session-count": 6},
            "failure-details": [
                {"result-type": "starttls-not-supported", "sending-mta-ip": "192.0.2.77", "receiving-mx-hostname": "mx1.example.com",
                 "failed-session-count": 4},
                {"result-type": "certificate-host-mismatch", "sending-mta-ip": "192.0.2.77", "receiving-mx-hostname": "mx2.example.com",
                 "failed-session-count": 2},
            ],
        }],
    }),
]

# Which reports travel by mail, and how.
MBOX = ["google-2026-11-25", "microsoft-2026-11-25", "company-x-2026-11-25"]
MAILDIR = ["google-2026-11-24", "fabrikam-2026-11-26"]
GZIP_FILES = {"google-2026-11-25", "company-x-2026-11-25"}
JSON_PART = {"microsoft-2026-11-25"}  # sent as application/tlsrpt+json, the others as +gzip


def gz(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return out.getvalue()


def message(stem, submitter, report, sent):
    data = json.dumps(report, indent=2).encode() + b"\n"
    start = int(datetime.fromisoformat(report["date-range"]["start-datetime"].replace("Z", "+00:00")).timestamp())
    end = int(datetime.fromisoformat(report["date-range"]["end-datetime"].replace("Z", "+00:00")).timestamp())
    domain = report["policies"][0]["policy"]["policy-domain"]
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"TLS reporting <noreply-smtp-tls-reporting@{submitter}>"
    msg["To"] = "tlsrpt@example.com"
    msg["Subject"] = f"Report Domain: {domain} Submitter: {submitter} Report-ID: <{report['report-id']}>"
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{stem}@{submitter}>"
    msg["TLS-Report-Domain"] = domain
    msg["TLS-Report-Submitter"] = submitter
    msg.set_content(f"This is an aggregate TLS report from {submitter}.\n")
    name = f"{submitter}!{domain}!{start}!{end}!{stem}.json"
    if stem in JSON_PART:
        msg.add_attachment(data, maintype="application", subtype="tlsrpt+json", filename=name)
    else:
        msg.add_attachment(gz(data), maintype="application", subtype="tlsrpt+gzip", filename=name + ".gz")
    msg.replace_header("Content-Type", 'multipart/report; report-type="tlsrpt"')
    msg.set_boundary(f"=_tlsrpt_{stem}")
    return msg.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(os.path.join(ROOT, "reports"))
    by_stem = {stem: (submitter, report) for stem, submitter, report in REPORTS}
    for stem, (_, report) in by_stem.items():
        data = json.dumps(report, indent=2).encode() + b"\n"
        path = os.path.join(ROOT, "reports", stem + ".json")
        if stem in GZIP_FILES:
            with open(path + ".gz", "wb") as f:
                f.write(gz(data))
        else:
            with open(path, "wb") as f:
                f.write(data)

    with open(os.path.join(ROOT, "tlsrpt.mbox"), "wb") as mbox:
        for i, stem in enumerate(MBOX):
            submitter, report = by_stem[stem]
            sent = datetime(2026, 11, 26, 6, 10 + i, 0, tzinfo=timezone.utc)
            body = message(stem, submitter, report, sent)
            # mboxrd: a body line starting with "From " gets a ">" (none do here; reports are base64 or JSON).
            mbox.write(f"From noreply-smtp-tls-reporting@{submitter} {sent.strftime('%a %b %d %H:%M:%S %Y')}\n".encode())
            mbox.write(body.rstrip(b"\n") + b"\n\n")

    for folder in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(ROOT, "Maildir", folder))
    for i, stem in enumerate(MAILDIR):
        submitter, report = by_stem[stem]
        sent = datetime(2026, 11, 27, 6, 10 + i, 0, tzinfo=timezone.utc)
        folder, suffix = ("cur", ":2,S") if i == 0 else ("new", "")
        with open(os.path.join(ROOT, "Maildir", folder, f"{int(sent.timestamp())}.M{i}P1000.mail.example.com{suffix}"), "wb") as f:
            f.write(message(stem, submitter, report, sent))
    # A mailbox also holds mail that is not a report: it is skipped, not an error.
    other = EmailMessage(policy=email.policy.SMTP)
    other["From"] = "Alice <alice@example.com>"
    other["To"] = "tlsrpt@example.com"
    other["Subject"] = "Did the reports arrive?"
    other["Date"] = format_datetime(datetime(2026, 11, 27, 9, 0, 0, tzinfo=timezone.utc))
    other["Message-ID"] = "<question@example.com>"
    other.set_content("Just checking that this mailbox receives the TLS reports.\n")
    with open(os.path.join(ROOT, "Maildir", "cur", "1795770000.M9P1000.mail.example.com:2,S"), "wb") as f:
        f.write(other.as_bytes(policy=email.policy.SMTP.clone(linesep="\n")))


if __name__ == "__main__":
    main()
