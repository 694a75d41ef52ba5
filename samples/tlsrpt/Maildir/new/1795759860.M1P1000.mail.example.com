From: TLS reporting <noreply-smtp-tls-reporting@fabrikam.com>
To: tlsrpt@example.com
Subject: Report Domain: example.org Submitter: fabrikam.com Report-ID:
 <fabrikam-20261126-0001>
Date: Fri, 27 Nov 2026 06:11:00 +0000
Message-ID: <fabrikam-2026-11-26@fabrikam.com>
TLS-Report-Domain: example.org
TLS-Report-Submitter: fabrikam.com
MIME-Version: 1.0
Content-Type: multipart/report; report-type="tlsrpt";
 boundary="=_tlsrpt_fabrikam-2026-11-26"

--=_tlsrpt_fabrikam-2026-11-26
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

This is an aggregate TLS report from fabrikam.com.

--=_tlsrpt_fabrikam-2026-11-26
Content-Type: application/tlsrpt+gzip
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename*0*=us-ascii''fabrikam.com%21example.org%211795651200%211795737599;
 filename*1*=%21fabrikam-2026-11-26.json.gz
MIME-Version: 1.0

H4sIAAAAAAAC/7WSwU7DMAyG73uKqeelagNsYidOPAGnoR1M6m4RTVIlLtqY+u44XduVTUhwQIrU
1P6s37+d02w+T5zfgdWfQNpZYcFgsp4nz/Dm9TuYZBGRAgiFB7uLuRNHOBYIPImYIX2ukZlcijwX
cvmSZevubLp6ptEWP7Hybv3wyGeTMNp2espZAkVC29JFunaBDARC/1T2jaXK9c15rB13ootIDmkR
BfKcRbIsy89g7SqtNAbmXruuzk6GzHH0NokJOtZdw9aJPlK6xha9rylZOAPaRhYPYOoKU55s0mPt
wCehMQb8lRg5gkqERikMoWz4yt+4D8VixOx9trimS9BV4/EGXd5IDmSBxLeL/+kMOtBjaCoaPXcr
pioI64ibq+OccWo92uHNarsThkDoOlbljzLNUpmuVt9Jjwr1R8cexJ43Orw1c8jTYWTDVseq2DsW
t/MYmXbxKy8KPelSq/iSo7gwOhggtf8HO/LPduTFTn/bzoa/7aydfQGCE8ZTqQMAAA==

--=_tlsrpt_fabrikam-2026-11-26--
