namespace MailFlow.TlsReports;

/// <summary>One SMTP TLS report (RFC 8460 section 4), as read and validated by <see cref="TlsReportParser"/>.</summary>
/// <param name="OrganizationName">The reporting organisation (<c>organization-name</c>).</param>
/// <param name="Start">The start of <c>date-range</c>.</param>
/// <param name="End">The end of <c>date-range</c>.</param>
/// <param name="ContactInfo">The <c>contact-info</c>, when given.</param>
/// <param name="ReportId">The <c>report-id</c>: with the organisation, what makes a report count once.</param>
/// <param name="Policies">The <c>policies</c>, in the report's order.</param>
public sealed record TlsReport(
    string OrganizationName,
    DateTimeOffset Start,
    DateTimeOffset End,
    string? ContactInfo,
    string ReportId,
    IReadOnlyList<TlsReportPolicy> Policies)
{
    /// <summary>
    /// The report's day: the UTC date of the middle of its date range (a report of a UTC day, and one of a local day
    /// such as 00:00-08:00 to 23:59-08:00, both land on the day they are about).
    /// </summary>
    public DateOnly Day => DateOnly.FromDateTime((Start.UtcDateTime + ((End - Start) / 2)).Date);

    /// <summary>Successful sessions over all policies.</summary>
    public long SuccessfulSessions => Policies.Sum(p => p.SuccessfulSessions);

    /// <summary>Failed sessions over all policies.</summary>
    public long FailedSessions => Policies.Sum(p => p.FailedSessions);
}

/// <summary>One entry of <c>policies</c>: the policy applied, its summary and failure details.</summary>
/// <param name="PolicyType">The <c>policy-type</c>, one of <see cref="TlsReportVocabulary.PolicyTypes"/>.</param>
/// <param name="PolicyStrings">The <c>policy-string</c> lines (MTA-STS policy lines or TLSA records).</param>
/// <param name="PolicyDomain">The <c>policy-domain</c>, lower case, no trailing dot.</param>
/// <param name="MxHosts">The <c>mx-host</c> entries, lower case, no trailing dot.</param>
/// <param name="SuccessfulSessions">The <c>total-successful-session-count</c>.</param>
/// <param name="FailedSessions">The <c>total-failure-session-count</c>.</param>
/// <param name="FailureDetails">The <c>failure-details</c>.</param>
public sealed record TlsReportPolicy(
    string PolicyType,
    IReadOnlyList<string> PolicyStrings,
    string PolicyDomain,
    IReadOnlyList<string> MxHosts,
    long SuccessfulSessions,
    long FailedSessions,
    IReadOnlyList<TlsReportFailure> FailureDetails);

/// <summary>One entry of <c>failure-details</c>.</summary>
/// <param name="ResultType">The <c>result-type</c> as given (lower case); unknown types are kept.</param>
/// <param name="SendingMtaIp">The <c>sending-mta-ip</c>.</param>
/// <param name="ReceivingMxHostname">The <c>receiving-mx-hostname</c>, lower case, no trailing dot.</param>
/// <param name="ReceivingMxHelo">The <c>receiving-mx-helo</c>.</param>
/// <param name="ReceivingIp">The <c>receiving-ip</c>.</param>
/// <param name="FailedSessionCount">The <c>failed-session-count</c>.</param>
/// <param name="AdditionalInformation">The <c>additional-information</c> (a URI).</param>
/// <param name="FailureReasonCode">The <c>failure-reason-code</c>.</param>
public sealed record TlsReportFailure(
    string ResultType,
    string? SendingMtaIp,
    string? ReceivingMxHostname,
    string? ReceivingMxHelo,
    string? ReceivingIp,
    long FailedSessionCount,
    string? AdditionalInformation,
    string? FailureReasonCode)
{
    /// <summary>The receiving MX as the failures measurement tags it: the host name, else the IP, else empty.</summary>
    public string ReceivingMx => ReceivingMxHostname ?? ReceivingIp ?? string.Empty;
}

/// <summary>The words of RFC 8460 this code knows.</summary>
public static class TlsReportVocabulary
{
    /// <summary>The <c>policy-type</c> values of RFC 8460 section 4.4.</summary>
    public static IReadOnlyList<string> PolicyTypes { get; } = ["sts", "tlsa", "no-policy-found"];

    /// <summary>The result types registered by RFC 8460 (section 4.3 and the IANA registry it creates). Others are kept as given.</summary>
    public static IReadOnlyList<string> ResultTypes { get; } =
    [
        "starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
        "validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error",
        "sts-policy-invalid", "sts-webpki-invalid",
    ];

    /// <summary>The media type of a gzip-compressed report.</summary>
    public const string GzipMediaType = "application/tlsrpt+gzip";

    /// <summary>The media type of a plain JSON report.</summary>
    public const string JsonMediaType = "application/tlsrpt+json";
}
