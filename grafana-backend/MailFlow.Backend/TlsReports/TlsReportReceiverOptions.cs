using System.Globalization;
using System.Net;
using MailFlow.TlsReports;

namespace MailFlow.Backend.TlsReports;

/// <summary>
/// The HTTPS receiver of SMTP TLS reports (RFC 8460 section 5.3, <c>rua=https://...</c>) in <c>serve</c>. Off
/// unless <see cref="Listen"/> is set. It has its own listener, because senders are anonymous and speak HTTP/1.1:
/// the gRPC API stays behind its own address and API key, and nothing but the report path answers on this one.
/// </summary>
public sealed class TlsReportReceiverOptions
{
    /// <summary>The path reports are POSTed to.</summary>
    public const string DefaultPath = "/tlsrpt/v1/reports";

    /// <summary>Default <see cref="PerMinute"/>.</summary>
    public const int DefaultPerMinute = 10;

    /// <summary><c>host:port</c> of the report listener (<c>0.0.0.0:8443</c>); null or empty: no receiver.</summary>
    public string? Listen { get; set; }

    /// <summary>The path (default <c>/tlsrpt/v1/reports</c>).</summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>
    /// The policy domains reports are accepted for (yours; a subdomain counts too); empty: any. A report about
    /// another domain is refused (422), which also keeps strangers from filling the database with their names.
    /// </summary>
    public IReadOnlyList<string> PolicyDomains { get; set; } = [];

    /// <summary>Reports accepted per minute from one client address (a token bucket of that size, refilled each minute).</summary>
    public int PerMinute { get; set; } = DefaultPerMinute;

    /// <summary>The size bounds of one report: the body (<see cref="TlsReportLimits.MaxCompressedBytes"/>) and what it may decompress to.</summary>
    public TlsReportLimits Limits { get; set; } = TlsReportLimits.Default;

    /// <summary>True when the receiver is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Listen);

    /// <summary>True when <paramref name="domain"/> is one of <see cref="PolicyDomains"/> or below one (or the list is empty).</summary>
    public bool Accepts(string domain) =>
        PolicyDomains.Count == 0 || PolicyDomains.Any(d => domain.Equals(d, StringComparison.OrdinalIgnoreCase) || domain.EndsWith("." + d, StringComparison.OrdinalIgnoreCase));

    /// <summary>Problems that must stop the start, each a sentence naming the option.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enabled)
        {
            return problems;
        }

        try
        {
            _ = ParseListen();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        if (!Path.StartsWith('/') || Path.Contains('?', StringComparison.Ordinal) || Path.Contains('{', StringComparison.Ordinal))
        {
            problems.Add($"--tlsrpt-path '{Path}' must be a plain path starting with /");
        }

        if (PerMinute < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--tlsrpt-per-minute must be at least 1 (got {PerMinute})"));
        }

        if (Limits.MaxCompressedBytes < 1024)
        {
            problems.Add("--tlsrpt-max-bytes must be at least 1024");
        }

        return problems;
    }

    /// <summary>The parsed listen address (the same forms as serve's --listen).</summary>
    public IPEndPoint ParseListen()
    {
        try
        {
            return new Hosting.ServeOptions { Listen = Listen ?? "" }.ParseListen();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("--tlsrpt-listen: " + e.Message, e);
        }
    }
}
